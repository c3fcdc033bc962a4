using System.Net.Http.Headers;
using OpenMeet.AppService.Configuration;
using OpenMeet.AppService.Hosting;
using OpenMeet.AppService.Tests.Issuer;
using OpenMeet.AppService.Tests.SignIn;

namespace OpenMeet.AppService.Tests;

public sealed class LogSecrecyTests
{
    [Fact]
    public async Task TokensNeverAppearInTheLog()
    {
        const string wrong = "wrong_token_that_must_not_be_logged_42";
        await using var service = new TestService();
        await service.StartAsync();
        var client = service.Private(bearer: null);
        var paths = new[]
        {
            $"/_matrix/app/v1/transactions/1?access_token={TestService.HsToken}",
            $"/_matrix/app/v1/transactions/2?access_token={wrong}",
            $"/_matrix/app/v1/transactions/3?access_token={TestService.AsToken}",
            $"/internal/status?access_token={TestService.InternalToken}",
            $"/_matrix/app/v1/nothing?access_token={TestService.HsToken}",
        };
        foreach (var path in paths)
        {
            await client.PutAsync(path, Json.Body(Json.Transaction("$x")));
            await client.PutAsync(path, Json.Body("{broken"));
        }

        foreach (var bearer in new[] { TestService.HsToken, wrong, TestService.InternalToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/internal/status");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            await client.SendAsync(request);
        }

        // The start-up ping of an unreachable homeserver logs its failures with the as_token in use.
        await Task.Delay(1500);
        await service.StopAsync();

        var log = service.Log.ToString();
        log.Should().Contain("/_matrix/app/v1/transactions", "requests are logged, so the check below means something");
        log.Should().Contain("not reached yet");
        foreach (var secret in new[] { TestService.HsToken, TestService.AsToken, TestService.InternalToken, wrong })
        {
            log.Should().NotContain(secret);
        }
    }

    [Fact]
    public async Task SignInSecretsNeverAppearInTheLog()
    {
        // Verbose: OpenIddict logs every request and response it handles, and at Trace the tokens it makes.
        await using var host = await SignInHost.StartAsync(logLevel: "Verbose");
        CodeFlow.Provisioned(host, "t1/ann");
        var flow = new CodeFlow(host);
        var cookie = await host.SessionByPasswordAsync("t1", "ann");
        var code = await flow.CodeAsync(cookie, "openid profile offline_access");
        var tokens = await flow.RedeemAsync(code);
        var refreshed = await flow.RefreshAsync(tokens.GetProperty("refresh_token").GetString()!);
        using var browser = host.Browser();
        using var userinfo = new HttpRequestMessage(HttpMethod.Get, "/oidc/userinfo");
        userinfo.Headers.Authorization = new AuthenticationHeaderValue("Bearer", refreshed.GetProperty("access_token").GetString());
        (await browser.SendAsync(userinfo)).EnsureSuccessStatusCode();
        // The code again (refused, and logged as such) and a logout naming the person by the ID token.
        await browser.PostAsync("/oidc/token", new FormUrlEncodedContent([new("grant_type", "authorization_code"), new("code", code),
            new("redirect_uri", SignInHost.RedirectUri), new("code_verifier", flow.Verifier), new("client_id", SignInHost.ClientId), new("client_secret", SignInHost.ClientSecret)]));
        using var logout = new HttpRequestMessage(HttpMethod.Get, $"/oidc/logout?id_token_hint={refreshed.GetProperty("id_token").GetString()}&state={flow.State}");
        logout.Headers.Add("Cookie", cookie);
        await browser.SendAsync(logout);
        await host.Service.StopAsync();

        var log = host.Service.Log.ToString();
        log.Should().Contain("OpenIddict.Server", "OpenIddict's own lines are in the log, so the check below means something");
        log.Should().Contain("/oidc/token");
        log.Should().Contain("\"code_verifier\": \"[redacted]\"", "OpenIddict's requests are still logged, their secrets redacted");
        var secrets = new Dictionary<string, string?>
        {
            ["code_verifier"] = flow.Verifier, ["state"] = flow.State, ["nonce"] = flow.Nonce, ["code"] = code,
            ["client_secret"] = SignInHost.ClientSecret, ["password"] = SignInHost.Password, ["session cookie"] = cookie.Split('=', 2)[1],
        };
        foreach (var response in new[] { tokens, refreshed })
        {
            foreach (var token in new[] { "access_token", "id_token", "refresh_token" })
            {
                var value = response.GetProperty(token).GetString()!;
                secrets[token + value[^8..]] = value;
                // A JWT's signature alone is what makes it usable; its payload may show in a log as claims.
                secrets[token + " signature" + value[^8..]] = value.Split('.')[^1];
            }
        }

        foreach (var (name, secret) in secrets)
        {
            log.Should().NotContain(secret, $"the {name} must not be logged");
        }
    }

    [Fact]
    public void OpenIddictsVerboseLinesAreDroppedWhateverTheOverridesSay()
    {
        var output = new StringWriter();
        var config = new LoggingConfig { Level = "Verbose" };
        config.Overrides["OpenIddict"] = "Verbose";
        config.Overrides["OpenIddict.Server.OpenIddictServerDispatcher"] = "Verbose";
        var logger = Logging.Create(config, output);

        var openIddict = logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "OpenIddict.Server.OpenIddictServerDispatcher");
        openIddict.Verbose("A new JSON Web Token was successfully created: {Token}", "token-secret-1");
        openIddict.Information("The token request was successfully extracted: {Request}", "{\"state\": \"state-secret-2\", \"client_id\": \"synapse\"}");
        logger.ForContext(Serilog.Core.Constants.SourceContextPropertyName, "OpenMeet.AppService.Elsewhere").Verbose("Ours: {Value}", "kept");
        ((IDisposable)logger).Dispose();

        output.ToString().Should().NotContain("token-secret-1").And.NotContain("state-secret-2")
            .And.Contain("\"client_id\": \"synapse\"").And.Contain("kept");
    }

    [Fact]
    public void ConfigErrorsDoNotEchoTokens()
    {
        var path = Path.Combine(Path.GetTempPath(), $"om-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "appservice:\n  as_token: secret_as_token_value_123456\n  hs_token: secret_as_token_value_123456\n");
        try
        {
            var act = () => ConfigLoader.Load(path);
            act.Should().Throw<ConfigException>().Which.Message.Should().NotContain("secret_as_token_value_123456");
        }
        finally
        {
            File.Delete(path);
        }
    }
}
