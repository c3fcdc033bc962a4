using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenMeet.AppService.Api;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Internal;

namespace OpenMeet.AppService.OpenApi;

/// <summary>
/// What the request bodies' types cannot say: their properties are all nullable so that the handler,
/// not the deserializer, names what is missing. Here are the ones really required and the values allowed.
/// </summary>
public sealed class BodySchemas : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(TenantBody)] = ["name"],
        [typeof(UserBody)] = ["name"],
        [typeof(EntityBody)] = ["name", "visibility"],
        [typeof(MemberBody)] = ["role"],
        [typeof(RoomRequest)] = ["tenantId", "entityType", "entitySlug"],
        [typeof(PermissionRequest)] = ["tenantId", "roomId", "userSlug"],
        [typeof(DmRequest)] = ["tenantId", "userSlugs"],
        [typeof(ReconcileRequest)] = [],
        [typeof(ClaimRequest)] = ["handle"],
    };

    private static readonly Dictionary<(Type, string), JsonNode[]> Allowed = new()
    {
        [(typeof(EntityBody), "visibility")] = ["public", "private"],
        [(typeof(MemberBody), "role")] = [.. ConfigValidator.EventRoles.Concat(ConfigValidator.GroupRoles).Distinct().Select(r => JsonValue.Create(r))],
        [(typeof(RoomRequest), "entityType")] = ["event", "group"],
        [(typeof(ReconcileRequest), "entityType")] = ["event", "group"],
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (!Required.TryGetValue(type, out var required))
        {
            return Task.CompletedTask;
        }

        schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
        foreach (var (name, property) in schema.Properties ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (Allowed.TryGetValue((type, name), out var values) && property is OpenApiSchema editable)
            {
                editable.Enum = [.. values.Select(v => v.DeepClone())];
            }
        }

        return Task.CompletedTask;
    }
}
