namespace OpenMeet.AppService.Hosting;

/// <summary>Which routes a stop refuses (<see cref="Shutdown"/>), each in its API's error shape.</summary>
public static class ShutdownRoutes
{
    private const string Message = "The service is stopping; try again once it has started again";

    /// <summary>Push API routes that start work: a Matrix error once the stop has begun.</summary>
    public static TBuilder RefusedWhileStopping<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => Admit(context, next, () => Errors.Matrix(503, "M_UNKNOWN", Message)));

    /// <summary>An API group's writes (every method but GET and HEAD): <c>shutting_down</c> once the stop has begun.</summary>
    public static TBuilder WritesRefusedWhileStopping<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) =>
            HttpMethods.IsGet(context.HttpContext.Request.Method) || HttpMethods.IsHead(context.HttpContext.Request.Method)
                ? next(context)
                : Admit(context, next, () => Errors.Api(503, "shutting_down", Message)))
            .Fails("shutting_down");

    private static ValueTask<object?> Admit(EndpointFilterInvocationContext context, EndpointFilterDelegate next, Func<IResult> refusal) =>
        context.HttpContext.RequestServices.GetRequiredService<Shutdown>().AdmitAsync(context, next, refusal);
}
