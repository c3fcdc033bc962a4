using System.Net;
using LiteDB;
using Microsoft.Extensions.DependencyInjection;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// The password form and the handle picker against seeded broken posts (fields missing, doubled,
/// 100 KB; bad encodings; other content types; a wrong or missing CSRF token or session; invalid
/// handles): a readable 4xx page, never a 5xx; no session, no handle, no person from what is refused.
/// OPENMEET_FORM_CASES sets the posts per form (150 by default), OPENMEET_SIGNIN_SEED the seed.
/// </summary>
public sealed class SignInFormPropertyTests : IAsyncLifetime
{
    private static readonly int Cases = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_FORM_CASES"), out var n) ? n : 150;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("OPENMEET_SIGNIN_SEED"), out var s) ? s : 1203;
    private static readonly string LoginPage = $"/oidc/login?returnUrl={Uri.EscapeDataString(SignInHost.ReturnUrl)}";
    private static readonly string HandlePage = $"/oidc/handle?returnUrl={Uri.EscapeDataString(SignInHost.ReturnUrl)}";

    private static readonly string[] BadHandles =
    [
        "", "ab", new string('a', 65), "ann one", "Ann.One", "ann.one", "admin", "openmeet-bot", "_under", ".dot", "-dash", "héllo", "a\u0000bc",
        "ab\nc", "🙂🙂🙂", "a/b/c", "a:b:c", "@ann:test", "<script>", BrokenForms.Huge,
    ];

    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    /// <summary>The CSRF token or cookie spoiled, dropped or swapped (or left alone), and what was done.</summary>
    private static (string? Cookie, List<KeyValuePair<string, string>> Fields, string What) Spoil(string cookie, List<KeyValuePair<string, string>> fields, Random r)
    {
        switch (r.Next(8))
        {
            case 0:
                return (cookie, [.. fields.Select(f => f.Key == "__csrf" ? new KeyValuePair<string, string>(f.Key, f.Value[..^4] + "AAAA") : f)], "a spoiled CSRF token");
            case 1:
                return (string.Join("; ", cookie.Split("; ").Where(c => !c.StartsWith("openmeet.oidc.csrf=", StringComparison.Ordinal))), fields, "no CSRF cookie");
            case 2:
                return (string.Join("; ", cookie.Split("; ").Where(c => !c.StartsWith("openmeet.oidc.session=", StringComparison.Ordinal))), fields, "no session");
            case 3:
                return (cookie, [.. fields.Select(f => f.Key == "returnUrl" ? new KeyValuePair<string, string>(f.Key, "https://evil.test/oidc/authorize?x") : f)], "a return address elsewhere");
            default:
                return (cookie, fields, "cookies as they were");
        }
    }

    [Fact]
    public async Task BrokenPasswordFormsGetAReadablePageAndNoSession()
    {
        var (cookie, hidden) = await host.FormAsync(LoginPage);
        using var browser = host.Browser();

        // First the controls, while no failure has been counted: the right password with and without the form's CSRF token.
        using (var noToken = await browser.SendAsync(BrokenForms.Post("/oidc/login",
            new FormUrlEncodedContent([new("returnUrl", SignInHost.ReturnUrl), new("tenant", "t1"), new("user", "bob"), new("password", SignInHost.Password)]), cookie)))
        {
            SignInHost.ShouldBeReadableRefusal(noToken, await noToken.Content.ReadAsStringAsync(), "no CSRF token");
            host.SessionUser(noToken).Should().BeNull();
        }

        (await host.SessionByPasswordAsync("t1", "bob")).Should().NotBeNullOrEmpty();

        var random = new Random(Seed);
        var before = host.State();
        for (var i = 0; i < Cases; i++)
        {
            // Never the right password: what gets through must be refused by the password check at least.
            List<KeyValuePair<string, string>> valid = [.. hidden, new("tenant", random.Next(3) == 0 ? "t9" : "t1"), new("user", random.Next(2) == 0 ? "bob" : "nobody"), new("password", "not-the-password")];
            var (fields, mutated) = BrokenForms.Mutate(valid, random);
            var (sent, spoiled, what) = Spoil(cookie, fields, random);
            var (content, encoded) = BrokenForms.Encode(spoiled, random);
            using var response = await browser.SendAsync(BrokenForms.Post("/oidc/login", content, sent));
            var body = await response.Content.ReadAsStringAsync();
            var because = $"seed {Seed}, case {i}: {mutated}, {what}, {encoded}: {(int)response.StatusCode} {body[..Math.Min(400, body.Length)]}{host.ErrorsLogged(response)}";

            SignInHost.ShouldBeReadableRefusal(response, body, because);
            host.SessionUser(response).Should().BeNull(because);
            host.State().Should().Be(before, because);
        }

        (await host.Service.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task BrokenHandleFormsClaimNothingAndValidOnesClaimWhatWasAsked()
    {
        var random = new Random(Seed);
        var handles = host.Service.Services.GetRequiredService<LiteDatabase>().GetCollection("handles");
        var (person, session) = ("t1/bob", await host.SessionByPasswordAsync("t1", "bob"));
        var (cookie, hidden) = await host.FormAsync(HandlePage, session);
        using var browser = host.Browser();
        var claimed = 0;
        for (var i = 0; i < Cases; i++)
        {
            var fresh = random.Next(6) == 0;
            var wanted = fresh ? $"Fresh.{i}-{random.Next(1000)}" : BadHandles[random.Next(BadHandles.Length)];
            List<KeyValuePair<string, string>> valid = [.. hidden, new(random.Next(4) == 0 ? "pick" : "handle", wanted)];
            var (fields, mutated) = random.Next(3) == 0 ? BrokenForms.Mutate(valid, random) : (valid, "fields as they were");
            var (sent, spoiled, what) = Spoil(cookie, fields, random);
            var (content, encoded) = random.Next(3) == 0 ? BrokenForms.Encode(spoiled, random) : (new FormUrlEncodedContent(spoiled), "a form");
            var before = host.State();
            using var response = await browser.SendAsync(BrokenForms.Post("/oidc/handle", content, sent));
            var body = await response.Content.ReadAsStringAsync();
            var because = $"seed {Seed}, case {i}: '{wanted[..Math.Min(80, wanted.Length)]}', {mutated}, {what}, {encoded}: {(int)response.StatusCode} {body[..Math.Min(400, body.Length)]}{host.ErrorsLogged(response)}";

            var untouched = mutated == "fields as they were" && what == "cookies as they were" && encoded is "a form" or "multipart";
            if (fresh && untouched)
            {
                response.StatusCode.Should().Be(HttpStatusCode.Redirect, because);
            }

            if (response.StatusCode == HttpStatusCode.Redirect)
            {
                fresh.Should().BeTrue($"only a valid handle is claimed; {because}");
                what.Should().Be("cookies as they were", because);
                response.Headers.Location!.OriginalString.Should().Be(SignInHost.ReturnUrl, because);
                var doc = handles.FindById(wanted.ToLowerInvariant()) ?? throw new InvalidOperationException($"not claimed; {because}");
                doc["UserKey"].AsString.Should().Be(person, because);

                // This person has a handle now: the next cases are someone else's.
                claimed++;
                (person, session) = ($"t2/p{i}", await host.SessionByAssertionAsync("t2", $"p{i}"));
                (cookie, hidden) = await host.FormAsync(HandlePage, session);
                continue;
            }

            SignInHost.ShouldBeReadableRefusal(response, body, because);
            host.State().Should().Be(before, because);
        }

        claimed.Should().BeGreaterThan(0, "some of the valid posts went through");
        (await host.Service.Private(null).GetAsync("/health/live")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task TheLiveHandleCheckAnswersJsonForAnyHandle()
    {
        var session = await host.SessionByPasswordAsync("t1", "bob");
        using var browser = host.Browser();
        var before = host.State();
        foreach (var handle in BadHandles.Append("%00").Append("%zz").Append("a%ffb"))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/oidc/handle/check?handle={(handle.StartsWith('%') || handle.Contains("%ff", StringComparison.Ordinal) ? handle : Uri.EscapeDataString(handle))}");
            request.Headers.Add("Cookie", session);
            using var response = await browser.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            ((int)response.StatusCode).Should().BeLessThan(500, $"{handle[..Math.Min(40, handle.Length)]}: {body}{host.ErrorsLogged(response)}");
            response.Content.Headers.ContentType?.MediaType.Should().Be("application/json", body);
        }

        host.State().Should().Be(before);
    }
}
