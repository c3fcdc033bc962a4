using LiteDB;

namespace OpenMeet.AppService.State;

public sealed class TenantDoc
{
    [BsonId]
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string? Domain { get; set; }
    public DateTime UpdatedAt { get; set; }
}
