using System.Net;
using System.Text.Json.Nodes;
using LiteDB;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// OpenMeet's assertion on the sign-in callback against seeded mutations of a valid one (claims
/// missing, extra, of the wrong type; times, issuer, audience; alg swaps; truncated and garbled
/// text; 100 KB values; unicode; unknown tenants; replays; the nonce missing or another sign-in's), each
/// on a hand-off of its own. Only the genuinely valid ones sign the named person in; every other one gets a readable 4xx page, no session and no change of state.
/// OPENMEET_SIGNIN_CASES sets the number of cases (400 by default), OPENMEET_SIGNIN_SEED the seed.
/// </summary>
public sealed class AssertionPropertyTests : IAsyncLifetime
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_SIGNIN_CASES"), out var n) ? n : 400;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_SIGNIN_SEED"), out var s) ? s : 1202;
    private static readonly string Huge = new('x', 100_000);
    private static readonly JsonNode?[] WrongTypes = [123, true, null, new JsonArray(), new JsonObject(), new JsonArray("t1"), 1.5e300];
    private SignInHost host = null!;

    public async Task InitializeAsync()
    {
        host = await SignInHost.StartAsync();
        (await host.Api.PutAsync("/internal/tenants/t1/users/gone", Json.Body("""{"name":"Gone"}"""))).EnsureSuccessStatusCode();
        (await host.Api.DeleteAsync("/internal/tenants/t1/users/gone")).StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>
    /// One try: the assertion, how it travels, and who it signs in (null: it must be refused). Without an
    /// email it leaves the stored email and whether it was vouched for as they were (KeepsEmail).
    /// </summary>
    private sealed record Case(string What, string Assertion, string? SignsIn, bool? EmailVerified = null, string? Name = null, bool Revoked = false, bool KeepsEmail = false)
    {
        /// <summary>The hand-off it travels on, when not the fresh one of its case (a replay's own).</summary>
        public Handoff? On { get; init; }
    }

    /// <summary>An assertion that signed someone in, with the hand-off it came back on.</summary>
    private sealed record Accepted(string Assertion, Handoff On, string Jti);

    private JsonObject ValidClaims(Random r, string nonce, out string userKey)
    {
        var tenant = r.Next(2) == 0 ? "t1" : "t2";
        var slug = r.Next(4) switch
        {
            0 => "ann",
            1 => "bob",
            _ => Slug(r),
        };
        userKey = $"{tenant}/{slug}";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new JsonObject
        {
            ["iss"] = TestService.JwtIssuer,
            ["aud"] = host.Issuer,
            ["sub"] = slug,
            ["tenant_id"] = tenant,
            ["name"] = r.Next(3) == 0 ? "Ünïcødé 名前 \u202e🙂" : $"Person {r.Next(1000)}",
            ["email"] = $"{slug}@example.org",
            ["email_verified"] = r.Next(2) == 0,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["nonce"] = nonce,
            ["iat"] = now - 5,
            ["nbf"] = now - 5,
            ["exp"] = now + 50,
        };
    }

    private static string Slug(Random r)
    {
        // Lowercase only: the store compares ids without regard to case (LiteDB's default collation), so "Ann" would find ann.
        const string First = "abcdefghijklmnopqrstuvwxyz0123456789", Rest = First + "._~-";
        return First[r.Next(First.Length)] + new string([.. Enumerable.Range(0, r.Next(100)).Select(_ => Rest[r.Next(Rest.Length)])]);
    }

    private static JsonObject Header(string alg = "HS256") => new() { ["alg"] = alg, ["typ"] = "JWT" };

    private static string Signed(JsonObject claims, string secret = TestService.JwtSecret) => RawJwt.Sign(Header(), claims.ToJsonString(), secret);

    private Case Generate(Random r, Handoff handoff, List<Accepted> accepted)
    {
        var claims = ValidClaims(r, handoff.Nonce, out var key);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Case Valid(string what) => new(what, Signed(claims), key, claims["email_verified"] is JsonValue v && v.TryGetValue<bool>(out var b) && b,
            claims["name"] is JsonValue name && name.TryGetValue<string>(out var text) && text.Length > 0 ? text : null);
        Case Refused(string what) => new(what, Signed(claims), null);
        switch (r.Next(17))
        {
            case 0:
                return Valid("valid");
            case 1:
                var required = new[] { "iss", "aud", "sub", "tenant_id", "jti", "exp", "nonce" }[r.Next(7)];
                claims.Remove(required);
                return Refused($"without {required}");
            case 2:
                var optional = new[] { "name", "email", "email_verified", "nbf", "iat" }[r.Next(5)];
                claims.Remove(optional);
                return Valid($"without {optional}") with { KeepsEmail = optional == "email" };
            case 3:
                claims["extra" + r.Next(5)] = WrongTypes[r.Next(WrongTypes.Length)]?.DeepClone();
                return Valid("an extra claim");
            case 4:
                var typed = new[] { "iss", "sub", "tenant_id", "jti", "exp", "nonce" }[r.Next(6)];
                var wrong = WrongTypes[r.Next(WrongTypes.Length)];
                claims[typed] = wrong?.DeepClone();
                return Refused($"{typed} as {wrong?.ToJsonString() ?? "null"}");
            case 5:
                (claims["iat"], claims["nbf"], claims["exp"], var when) = r.Next(3) switch
                {
                    0 => (now - 200, now - 200, now - 150, "expired"),
                    1 => (now + 120, now + 120, now + 170, "not yet valid"),
                    _ => (now - 5, now - 5, now + 300, "living five minutes"),
                };
                return Refused(when);
            case 6:
                (claims["iss"], claims["aud"], var who) = r.Next(4) switch
                {
                    0 => ((JsonNode)"https://evil.test", (JsonNode)host.Issuer, "another issuer"),
                    1 => (TestService.JwtIssuer.ToUpperInvariant(), host.Issuer, "the issuer in capitals"),
                    2 => (TestService.JwtIssuer, TestService.JwtAudience, "the public API's audience"),
                    _ => (TestService.JwtIssuer, "https://evil.test/oidc", "another audience"),
                };
                return Refused(who);
            case 7:
                claims["aud"] = new JsonArray("https://elsewhere.test", host.Issuer);
                return Valid("two audiences, ours one of them");
            case 8:
                var payload = claims.ToJsonString();
                return r.Next(5) switch
                {
                    0 => new("alg none, unsigned", RawJwt.Sign(Header("none"), payload, ""), null),
                    1 => new("alg none, signed", RawJwt.Sign(Header("none"), payload, TestService.JwtSecret)[..^1] + RawJwt.Sign(Header(), payload, TestService.JwtSecret).Split('.')[2], null),
                    2 => new("HS512", RawJwt.Sign(Header("HS512"), payload, TestService.JwtSecret, "HS512"), null),
                    3 => new("RS256 header over an HMAC", RawJwt.Sign(Header("RS256"), payload, TestService.JwtSecret), null),
                    _ => new("another secret", Signed(claims, "another-secret-another-secret-0123456789"), null),
                };
            case 9:
                var whole = Signed(claims);
                return new("truncated", whole[..r.Next(whole.Length - 1)], null);
            case 10:
                var text = Signed(claims).ToCharArray();
                // Not the signature's last character: its low bits are padding a decoder may ignore.
                const string Noise = "!*+/=% \t\u00e9\u0000\"<>AaZz09-_.";
                text[r.Next(text.Length - 1)] = Noise[r.Next(Noise.Length)];
                var garbled = new string(text);
                return garbled == Signed(claims) ? Valid("garbled into itself") : new("garbled", garbled, null);
            case 11:
                var big = new[] { "name", "sub", "tenant_id", "jti", "email" }[r.Next(5)];
                claims[big] = Huge;
                return big is "name" or "email" ? Valid($"100 KB {big}") with { Name = big == "name" ? Huge : claims["name"]!.GetValue<string>() } : Refused($"100 KB {big}");
            case 12:
                var field = r.Next(2) == 0 ? "sub" : "tenant_id";
                string[] bad = ["", " ann", "ann ", "ann\n", ".ann", "a/b", "ánn", "ann\u0000", "🙂", new string('a', 101), "../t1", field == "sub" ? "ann/x" : "t9"];
                claims[field] = bad[r.Next(bad.Length)];
                return Refused($"{field} '{claims[field]}'");
            case 13:
                JsonNode?[] notTrue = [false, "true", "yes", 1, 123, null, new JsonArray(true), new JsonObject { ["value"] = true }];
                claims["email_verified"] = notTrue[r.Next(notTrue.Length)]?.DeepClone();
                return Valid($"email_verified {claims["email_verified"]?.ToJsonString() ?? "null"}") with { EmailVerified = false };
            case 14 when accepted.Count > 0:
                var earlier = accepted[r.Next(accepted.Count)];
                if (r.Next(2) == 0)
                {
                    return new("a replay on its own hand-off", earlier.Assertion, null) { On = earlier.On };
                }

                claims["jti"] = earlier.Jti;
                return Refused("a used jti on a fresh hand-off");
            case 16:
                string[] others = [Guid.NewGuid().ToString("N"), handoff.Nonce.ToUpperInvariant(), handoff.Nonce[..^1], handoff.Nonce + " ", ""];
                claims["nonce"] = others[r.Next(others.Length)];
                return Refused($"the nonce '{claims["nonce"]}'");
            case 15:
                claims["tenant_id"] = "t1";
                claims["sub"] = "gone";
                return new("someone revoked", Signed(claims), null, Revoked: true);
            default:
                return Valid("valid");
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient browser, Handoff handoff, string assertion, Random r)
    {
        if (assertion.Length < 4000 && r.Next(2) == 0)
        {
            using var get = new HttpRequestMessage(HttpMethod.Get, $"/oidc/openmeet/callback?state={Uri.EscapeDataString(handoff.State)}&assertion={Uri.EscapeDataString(assertion)}");
            get.Headers.Add("Cookie", handoff.Cookie);
            return await browser.SendAsync(get);
        }

        using var post = SignInHost.Callback(handoff, assertion);
        return await browser.SendAsync(post);
    }

    [Fact]
    public async Task OnlyValidAssertionsSignInAndOnlyThePersonTheyName()
    {
        var random = new Random(Seed);
        var accepted = new List<Accepted>();
        var users = host.Service.Services.GetRequiredService<LiteDatabase>().GetCollection("users");
        using var browser = host.Browser();
        for (var i = 0; i < Cases; i++)
        {
            var handoff = await host.HandoffAsync();
            var test = Generate(random, handoff, accepted);
            var before = host.State();
            var stored = test.SignsIn is { } named ? users.FindById(named) : null;
            using var response = await SendAsync(browser, test.On ?? handoff, test.Assertion, random);
            var body = await response.Content.ReadAsStringAsync();
            var because = $"seed {Seed}, case {i}: {test.What} ({test.Assertion[..Math.Min(300, test.Assertion.Length)]}): {(int)response.StatusCode} {body[..Math.Min(500, body.Length)]}{host.ErrorsLogged(response)}";

            if (test.SignsIn is { } key)
            {
                response.StatusCode.Should().Be(HttpStatusCode.Redirect, because);
                response.Headers.Location!.OriginalString.Should().Be(SignInHost.ReturnUrl, because);
                host.SessionUser(response).Should().Be(key, because);
                var user = users.FindById(key) ?? throw new InvalidOperationException($"no user {key}; {because}");
                if (test.KeepsEmail)
                {
                    user["Email"].Should().Be(stored?["Email"] ?? BsonValue.Null, because);
                    user["EmailVerified"].AsBoolean.Should().Be(stored?["EmailVerified"].AsBoolean ?? false, because);
                }
                else
                {
                    user["EmailVerified"].AsBoolean.Should().Be(test.EmailVerified!.Value, because);
                }

                if (test.Name is not null)
                {
                    user["Name"].AsString.Should().Be(test.Name, because);
                }

                accepted.Add(new(test.Assertion, handoff, RawJwt.Claims(test.Assertion)["jti"]!.GetValue<string>()));
                continue;
            }

            SignInHost.ShouldBeReadableRefusal(response, body, because);
            if (test.Revoked)
            {
                response.StatusCode.Should().Be(HttpStatusCode.Forbidden, because);
            }

            host.SessionUser(response).Should().BeNull(because);
            host.State().Should().Be(before, because);
        }

        (await host.Service.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("no state", "")]
    [InlineData("a forged state", "CfDJ8forged")]
    [InlineData("a state for somewhere else", null)]
    public async Task AValidAssertionWithoutItsStateSignsNobodyIn(string what, string? forged)
    {
        var handoff = await host.HandoffAsync();
        var claims = ValidClaims(new Random(Seed), handoff.Nonce, out _);
        var badState = forged ?? host.Service.Services.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector("openmeet-handoff").ToTimeLimitedDataProtector().Protect($"{handoff.Nonce} https://evil.test/", TimeSpan.FromMinutes(1));
        var before = host.State();
        using var browser = host.Browser();

        using var response = await browser.SendAsync(SignInHost.Callback(handoff with { State = badState }, Signed(claims)));

        SignInHost.ShouldBeReadableRefusal(response, await response.Content.ReadAsStringAsync(), what);
        host.SessionUser(response).Should().BeNull();
        host.State().Should().Be(before);
    }
}
