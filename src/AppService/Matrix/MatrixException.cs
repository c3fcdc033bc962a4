using System.Net;

namespace OpenMeet.AppService.Matrix;

/// <summary>A request to Synapse that failed: its status, errcode and error text (never the request's token).</summary>
public sealed class MatrixException(HttpStatusCode status, string errCode, string error, string request)
    : Exception($"{request} failed: {(int)status} {errCode}: {error}")
{
    public HttpStatusCode Status { get; } = status;
    public string ErrCode { get; } = errCode;
    public string Error { get; } = error;
}
