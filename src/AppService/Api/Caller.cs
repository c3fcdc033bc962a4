using System.Security.Claims;
using OpenMeet.AppService.State;

namespace OpenMeet.AppService.Api;

/// <summary>The OpenMeet user behind a request: <c>sub</c> (their slug) in <c>tenant_id</c>.</summary>
public sealed record Caller(string TenantId, string Slug, string? Name, string? Email)
{
    public string UserKey => Names.UserKey(TenantId, Slug);

    public string Actor => $"openmeet:{UserKey}";

    public static Caller? From(ClaimsPrincipal user)
    {
        var tenant = user.FindFirstValue("tenant_id");
        var slug = user.FindFirstValue("sub");
        return Names.IsValid(tenant) && Names.IsValid(slug)
            ? new Caller(tenant!, slug!, user.FindFirstValue("name"), user.FindFirstValue("email"))
            : null;
    }
}
