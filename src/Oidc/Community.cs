namespace OpenMeet.Oidc;

/// <summary>A community (tenant) as the login page offers it: its id, its name and its domain, if it has one.</summary>
public sealed record Community(string Id, string Name, string? Domain)
{
    /// <summary>What picking it fills in: the domain, which people know, else the id. Both name it alone.</summary>
    public string Pick => Domain ?? Id;
}
