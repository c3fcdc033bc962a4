using System.Security.Cryptography;
using System.Text;

namespace OpenMeet.AppService.Hosting;

/// <summary>Bearer tokens from the Authorization header (or the legacy access_token query parameter),
/// compared in constant time.</summary>
public sealed class TokenCheck(string expected)
{
    private readonly byte[] expected = Encoding.UTF8.GetBytes(expected);

    public enum Outcome { Ok, Missing, Wrong }

    public Outcome Check(HttpRequest request, bool allowQueryParameter)
    {
        string? header = null;
        var authorization = request.Headers.Authorization;
        if (authorization.Count > 0)
        {
            var value = authorization.ToString();
            if (!value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                return Outcome.Wrong;
            }

            header = value["Bearer ".Length..].Trim();
        }

        string? query = null;
        if (allowQueryParameter && request.Query.TryGetValue("access_token", out var q))
        {
            query = q.ToString();
        }

        if (header is null && query is null)
        {
            return Outcome.Missing;
        }

        // Both given: they must agree, and then one check covers both.
        if (header is not null && query is not null && !Matches(header, Encoding.UTF8.GetBytes(query)))
        {
            return Outcome.Wrong;
        }

        return Matches(header ?? query!, expected) ? Outcome.Ok : Outcome.Wrong;
    }

    private static bool Matches(string given, byte[] wanted)
    {
        var bytes = Encoding.UTF8.GetBytes(given);
        return CryptographicOperations.FixedTimeEquals(bytes, wanted);
    }
}
