
namespace OpenMeet.AppService.Hosting;

/// <summary>Route metadata for the API reference (OpenApi/) that ASP.NET has no one-call form of: the features declare it, the reference reads it.</summary>
public static class RouteDocs
{
    /// <summary>Declares the <see cref="ErrorCodes"/> a route or group answers, each with its status and the error body.</summary>
    public static TBuilder Fails<TBuilder>(this TBuilder builder, params string[] codes)
        where TBuilder : IEndpointConventionBuilder
    {
        var unknown = codes.Where(c => !ErrorCodes.All.ContainsKey(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"not in ErrorCodes.All: {string.Join(", ", unknown)}", nameof(codes));
        }

        builder.WithMetadata(new ErrorCodeMetadata(codes));
        foreach (var status in codes.Select(c => ErrorCodes.All[c].Status).Distinct())
        {
            builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(ApiError), ["application/json"]));
        }

        return builder;
    }

    /// <summary>A handler that reads its JSON body by hand (<see cref="JsonBody"/>): the body's type for the reference.</summary>
    public static RouteHandlerBuilder Takes<TBody>(this RouteHandlerBuilder builder)
        where TBody : notnull =>
        builder.Accepts<TBody>("application/json").Fails("invalid_json", "invalid_request");
}
