namespace OpenMeet.AppService.Configuration;

public sealed class EncryptionConfig
{
    public bool Event { get; set; }
    public bool Group { get; set; }
    public bool Dm { get; set; } = true;
}
