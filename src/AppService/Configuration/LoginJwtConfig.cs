namespace OpenMeet.AppService.Configuration;

/// <summary>Synapse's <c>jwt_config</c> (HS256): the same secret, issuer and audience on both sides.</summary>
public sealed class LoginJwtConfig
{
    public string Secret { get; set; } = "";
    public string Issuer { get; set; } = "openmeet-appservice";
    public string Audience { get; set; } = "synapse";
}
