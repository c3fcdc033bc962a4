using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenMeet.AppService.Hosting;

namespace OpenMeet.AppService.OpenApi;

/// <summary>
/// Fills in what route metadata cannot say: an example for each request and answer body (from
/// <see cref="Examples"/>), each error status's codes with an example of each, and the route parameters' meaning.
/// </summary>
public sealed class OperationDocs : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, (string Description, string Example)> Parameters = new(StringComparer.Ordinal)
    {
        ["tenantId"] = ("The tenant's id in OpenMeet (1 to 100 of A-Z a-z 0-9 . _ ~ -, compared ordinally)", "acme"),
        ["userSlug"] = ("The person's slug in OpenMeet, unique within the tenant", "alice"),
        ["kind"] = ("events or groups", "events"),
        ["slug"] = ("The event's or group's slug in OpenMeet", "launch-party"),
        ["jobId"] = ("The job id from the 202 answer of POST /internal/reconcile", "r7f3a2c1"),
        ["handle"] = ("The handle wanted: the localpart of the Matrix id, e.g. john.doe for @john.doe:server", "john.doe"),
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var body in operation.RequestBody?.Content?.Values ?? [])
        {
            var type = context.Description.ParameterDescriptions.FirstOrDefault(p => p.Source == Microsoft.AspNetCore.Mvc.ModelBinding.BindingSource.Body)?.Type;
            body.Example = type is null ? null : Examples.For(type);
        }

        var codes = context.Description.ActionDescriptor.EndpointMetadata.OfType<ErrorCodeMetadata>().SelectMany(m => m.Codes).Distinct().ToList();
        foreach (var (status, response) in operation.Responses ?? [])
        {
            if (response is not OpenApiResponse documented || !int.TryParse(status, out var code))
            {
                continue;
            }

            var answers = codes.Where(c => ErrorCodes.All[c].Status == code).ToList();
            if (answers.Count > 0)
            {
                documented.Description = string.Join("; ", answers.Select(c => $"`{c}`: {ErrorCodes.All[c].When}"));
                foreach (var media in documented.Content?.Values ?? [])
                {
                    media.Examples = answers.ToDictionary(c => c, c => (IOpenApiExample)new OpenApiExample
                    {
                        Summary = ErrorCodes.All[c].When,
                        Value = JsonSerializerNode(c),
                    });
                }

                continue;
            }

            var type = context.Description.SupportedResponseTypes.FirstOrDefault(r => r.StatusCode == code)?.Type;
            foreach (var media in documented.Content?.Values ?? [])
            {
                media.Example = type is null ? null : Examples.For(type);
            }
        }

        // Successes first: the group-wide errors were declared before each route's answers.
        if (operation.Responses is { } all)
        {
            var ordered = all.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
            all.Clear();
            ordered.ForEach(r => all.Add(r.Key, r.Value));
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter.Name is { } name && Parameters.TryGetValue(name, out var about))
            {
                parameter.Description = about.Description;
                parameter.Example = JsonValue.Create(about.Example);
            }
        }

        return Task.CompletedTask;
    }

    private static JsonNode JsonSerializerNode(string code) =>
        System.Text.Json.JsonSerializer.SerializeToNode(ErrorCodes.Example(code), AppJsonContext.Default.ApiError)!;
}
