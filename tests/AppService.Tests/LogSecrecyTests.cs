using System.Net.Http.Headers;
using OpenMeet.AppService.Configuration;

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
