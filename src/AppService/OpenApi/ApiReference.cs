using Microsoft.AspNetCore.OpenApi;
using Scalar.AspNetCore;

namespace OpenMeet.AppService.OpenApi;

/// <summary>
/// The API reference, generated from the routes' metadata: <c>/openapi/internal.json</c> (resource
/// <c>internal</c>), <c>/openapi/public.json</c> (resource <c>api</c>), and a Scalar page showing both at
/// <c>/scalar</c> (resource <c>internal</c>), which reads the public document from <c>/scalar/openapi/public.json</c>
/// on its own listener.
/// </summary>
public static class ApiReference
{
    public const string PagePrefix = "/scalar";

    private const string Errors = """
        Errors are JSON `{"error": CODE, "message": TEXT}` with a fitting status; each operation lists its
        codes under each status, with an example of each. A database that cannot be written answers 503
        `database_unavailable` with Retry-After.
        """;

    public static IServiceCollection AddApiReference(this IServiceCollection services)
    {
        services.AddOpenApi("internal", o => Describe(o, "internal/", new DocumentInfo(
            "OpenMeet Matrix AppService: internal API",
            "What OpenMeet's server calls to say what should be in Matrix. Writes are idempotent (PUT is the desired state) and " +
            "answered at once; Synapse is brought in line in the background, which GET .../room and GET /internal/status show.\n\n" + Errors,
            "internalToken", "`internal.token` from the service's config: `Authorization: Bearer <token>`.", null)));
        services.AddOpenApi("public", o => Describe(o, "api/", new DocumentInfo(
            "OpenMeet Matrix AppService: public API",
            "What OpenMeet's web client calls for the signed-in person, with the person's OpenMeet token.\n\n" + Errors,
            "openMeetJwt", "The person's OpenMeet JWT (HS256 with a shared secret, or RS256 from a JWKS URL); claims sub (user slug), " +
            "tenant_id, name, email, iss, aud, exp.", "JWT")));
        return services;
    }

    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        // The page's copies: the internal listener does not serve /openapi/public.json.
        app.MapOpenApi(PagePrefix + "/openapi/{documentName}.json");
        app.MapScalarApiReference(PagePrefix, o => o
            .WithTitle("OpenMeet Matrix AppService API")
            .AddDocument("internal", "Internal API", PagePrefix + "/openapi/internal.json", isDefault: true)
            .AddDocument("public", "Public API", PagePrefix + "/openapi/public.json"));
        return app;
    }

    private static void Describe(OpenApiOptions options, string pathPrefix, DocumentInfo info)
    {
        options.ShouldInclude = d => d.RelativePath?.StartsWith(pathPrefix, StringComparison.Ordinal) == true;
        options.AddDocumentTransformer(info);
        options.AddOperationTransformer<OperationDocs>();
        options.AddSchemaTransformer<BodySchemas>();
    }
}
