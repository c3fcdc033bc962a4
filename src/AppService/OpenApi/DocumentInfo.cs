using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.OpenApi;

/// <summary>The document's title and introduction, and the one bearer scheme every operation of it needs.</summary>
public sealed class DocumentInfo(string title, string description, string scheme, string schemeDescription, string? bearerFormat) : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo { Title = title, Version = ServiceInfo.Version, Description = description };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
        document.Components.SecuritySchemes[scheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = bearerFormat,
            Description = schemeDescription,
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [] }];
        return Task.CompletedTask;
    }
}
