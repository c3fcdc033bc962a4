using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// JWTs put together by hand, so a test can sign any header and payload (a wrong type, an alg the
/// service must refuse) where a token library would refuse to write them.
/// </summary>
internal static class RawJwt
{
    public static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));

    /// <summary>Header and payload as given, signed with HMAC-SHA256 or -512 ("none": no signature).</summary>
    public static string Sign(JsonObject header, string payload, string secret, string mac = "HS256")
    {
        var signed = $"{Encode(header.ToJsonString())}.{Encode(payload)}";
        var key = Encoding.UTF8.GetBytes(secret);
        var data = Encoding.ASCII.GetBytes(signed);
        var signature = mac switch
        {
            "HS256" => Encode(HMACSHA256.HashData(key, data)),
            "HS512" => Encode(HMACSHA512.HashData(key, data)),
            _ => "",
        };
        return $"{signed}.{signature}";
    }

    /// <summary>The claims of a JWT's payload, unchecked.</summary>
    public static JsonObject Claims(string jwt)
    {
        var payload = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        return JsonNode.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')))!.AsObject();
    }
}
