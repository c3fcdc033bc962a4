
namespace OpenMeet.AppService.Hosting;

/// <summary>
/// Every error code the internal and public APIs answer with, its status and when: the one list the
/// routes name their codes from (<see cref="RouteDocs.Fails{TBuilder}"/>) and the API reference
/// describes them with.
/// </summary>
public static class ErrorCodes
{
    public static readonly IReadOnlyDictionary<string, (int Status, string When)> All = new Dictionary<string, (int, string)>(StringComparer.Ordinal)
    {
        ["invalid_json"] = (400, "the body is not JSON of the expected shape"),
        ["invalid_request"] = (400, "a field or a name in the route is missing or not valid; the message names it"),
        ["invalid_handle"] = (400, "the handle breaks a rule (length, characters, reserved words); the message says which"),
        ["unknown_role"] = (400, "the role is not one of the event's or group's roles"),
        ["unauthorized"] = (401, "no bearer token, or (public API) an expired or otherwise invalid OpenMeet token"),
        ["forbidden"] = (403, "the internal token is wrong, or (public API) the OpenMeet token has no valid sub and tenant_id"),
        ["revoked"] = (403, "the person's Matrix access has been revoked"),
        ["not_found"] = (404, "no such route, or a kind other than events or groups"),
        ["unknown_tenant"] = (404, "the tenant was never PUT"),
        ["unknown_user"] = (404, "the tenant has no such user (or OpenMeet has not PUT the caller yet)"),
        ["unknown_entity"] = (404, "the tenant has no such event or group"),
        ["unknown_member"] = (404, "the person is not a member of the event or group"),
        ["unknown_room"] = (404, "the tenant has no managed room with that id (another tenant's room is answered the same)"),
        ["unknown_job"] = (404, "no reconcile job with that id (the last 50 are kept, until a restart)"),
        ["method_not_allowed"] = (405, "the route exists but not with this method"),
        ["handle_taken"] = (409, "someone else has the handle"),
        ["handle_permanent"] = (409, "the person has another handle already; handles are permanent"),
        ["user_of_another_tenant"] = (409, "the user slug belongs to another tenant; tenants never share rooms"),
        ["entity_deleted"] = (409, "the event or group was deleted: its room is closed"),
        ["no_handle"] = (409, "the person has no handle yet: POST /api/handles first"),
        ["rate_limited"] = (429, "too many requests from this person; Retry-After says when to try again"),
        ["matrix_error"] = (502, "Synapse refused the request; the message carries its errcode"),
        ["not_configured"] = (503, "homeserver.login_jwt is not set, so no Matrix session can be started"),
        ["synapse_unavailable"] = (503, "Synapse did not answer within 15 s (down, or the person's account is still being made); Retry-After says when to try again"),
        ["database_unavailable"] = (503, "the database cannot be written just now (disk full?); Retry-After says when to try again"),
        ["shutting_down"] = (503, "the service is stopping and takes no new writes; Retry-After says when to try again"),
        ["room_not_ready"] = (504, "the room does not exist yet after 30 s; it is being reconciled, ask again or read GET .../room"),
    };

    /// <summary>An example body for the code, as the service would send it.</summary>
    public static ApiError Example(string code) => new(code, ExampleMessages.TryGetValue(code, out var m) ? m : All[code].When);

    private static readonly Dictionary<string, string> ExampleMessages = new(StringComparer.Ordinal)
    {
        ["invalid_json"] = "The body is not the JSON expected at $.name: The JSON value could not be converted to System.String.",
        ["invalid_request"] = "name: required, the tenant's name",
        ["unknown_role"] = "role: 'chair' is not a event role (expected one of host, moderator, speaker, participant, guest)",
        ["unauthorized"] = "Authorization: Bearer <internal token> is required",
        ["forbidden"] = "The internal token is wrong",
        ["unknown_tenant"] = "no tenant 'acme': PUT /internal/tenants/acme first",
        ["unknown_user"] = "tenant acme has no user alice",
        ["unknown_entity"] = "tenant acme has no event 'launch-party'",
        ["user_of_another_tenant"] = "alice is a user of tenant globex, not of acme",
        ["database_unavailable"] = "The database cannot be written just now (is the disk full?); try again later.",
        ["shutting_down"] = "The service is stopping; try again once it has started again",
        ["rate_limited"] = "too many requests; try again in a minute",
    };
}
