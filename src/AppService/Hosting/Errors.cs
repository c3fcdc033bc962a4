using OpenMeet.AppService.Matrix;

namespace OpenMeet.AppService.Hosting;

public static class Errors
{
    /// <summary>A Matrix error response, as the spec gives it.</summary>
    public static IResult Matrix(int status, string errcode, string message) =>
        TypedResults.Json(new MatrixError(errcode, message), AppJsonContext.Default.MatrixError, statusCode: status);

    /// <summary>An internal/public API error: <c>{"error": CODE, "message": TEXT}</c>.</summary>
    public static IResult Api(int status, string code, string message) =>
        TypedResults.Json(new ApiError(code, message), AppJsonContext.Default.ApiError, statusCode: status);
}
