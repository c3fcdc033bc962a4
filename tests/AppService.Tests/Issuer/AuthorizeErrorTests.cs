using System.Net;
using System.Web;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests.Issuer;

/// <summary>
/// RFC 6749 §4.1.2.1: once the client and its redirect_uri are known good, what is wrong with an
/// authorization request goes back to the client (error, error_description, state); only a request
/// that names an unknown client or a redirect_uri it did not register gets our error page.
/// </summary>
public sealed class AuthorizeErrorTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync() => host = await SignInHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    public static TheoryData<string, string, string?, string> BadRequestsOfAGoodClient => new()
    {
        { "code_challenge", "", null, "invalid_request" },
        { "code_challenge_method", "", null, "invalid_request" },
        { "code_challenge_method", "plain", null, "invalid_request" },
        { "response_type", "token", null, "unsupported_response_type" },
        { "scope", "openid profile nonsense", null, "invalid_scope" },
        { "response_mode", "nonsense", null, "invalid_request" },
        { "code_challenge", "", "form_post", "invalid_request" },
    };

    [Theory]
    [MemberData(nameof(BadRequestsOfAGoodClient))]
    public async Task AnInvalidRequestOfAKnownClientGoesBackToItsRedirectUri(string parameter, string value, string? responseMode, string error)
    {
        var flow = new CodeFlow(host);
        var parameters = flow.Parameters();
        if (value.Length == 0)
        {
            parameters.Remove(parameter);
        }
        else
        {
            parameters[parameter] = value;
        }

        if (responseMode is not null)
        {
            parameters["response_mode"] = responseMode;
        }

        using var response = await flow.AuthorizeAsync(await host.SessionByPasswordAsync("t1", "ann"), parameters);

        var body = await response.Content.ReadAsStringAsync();
        if (responseMode == "form_post")
        {
            // The error is posted to the client by a form the page submits.
            response.StatusCode.Should().Be(HttpStatusCode.OK, body);
            body.Should().Contain($"action=\"{SignInHost.RedirectUri}\"").And.Contain($"value=\"{error}\"").And.Contain($"value=\"{flow.State}\"");
            return;
        }

        response.StatusCode.Should().Be(HttpStatusCode.Redirect, body);
        var back = response.Headers.Location!;
        back.GetLeftPart(UriPartial.Path).Should().Be(SignInHost.RedirectUri);
        // An error for a token response type goes in the fragment, as that response would have.
        var answer = HttpUtility.ParseQueryString(parameter == "response_type" ? back.Fragment.TrimStart('#') : back.Query);
        answer["error"].Should().Be(error);
        answer["error_description"].Should().NotBeNullOrEmpty();
        answer["state"].Should().Be(flow.State);
        answer["iss"].Should().Be(host.Issuer);
        answer["code"].Should().BeNull();
    }

    public static TheoryData<string, string> UntrustedDestinations => new()
    {
        { "client_id", "someone-else" },
        { "client_id", "" },
        { "redirect_uri", "https://evil.test/_synapse/client/oidc/callback" },
        { "redirect_uri", SignInHost.RedirectUri + "/more" },
        { "redirect_uri", "" },
    };

    [Theory]
    [MemberData(nameof(UntrustedDestinations))]
    public async Task AnUnknownClientOrRedirectUriGetsThePageNeverARedirect(string parameter, string value)
    {
        var flow = new CodeFlow(host);
        foreach (var broken in new[] { "nothing else", "code_challenge" })
        {
            var parameters = flow.Parameters();
            parameters.Remove(broken);
            if (value.Length == 0)
            {
                parameters.Remove(parameter);
            }
            else
            {
                parameters[parameter] = value;
            }

            using var response = await flow.AuthorizeAsync(null, parameters);

            var body = await response.Content.ReadAsStringAsync();
            response.Headers.Location.Should().BeNull(body);
            SignInHost.ShouldBeReadableRefusal(response, body, $"{parameter}={value}, without {broken}");
            body.Should().Contain("This sign-in cannot go on");
        }
    }
}
