using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OpenMeet.AppService.SignIn;
using OpenMeet.Oidc;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// A password check costs one PBKDF2 run whoever is named (issue 13): an unknown person used to cost
/// two (a dummy hash made per call, then checked), so the answer's timing told who has an account.
/// </summary>
public sealed class PasswordCostTests : IAsyncLifetime
{
    private SignInHost host = null!;

    public async Task InitializeAsync()
    {
        host = await SignInHost.StartAsync();
        (await host.Api.PutAsJsonAsync("/internal/tenants/t1/users/cy", new { name = "Cy, no password" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Theory]
    [InlineData("t1", "bob", SignInHost.Password, "the right password")]
    [InlineData("t1", "bob", "wrong", "a known person, a wrong password")]
    [InlineData("t1", "nobody", "wrong", "an unknown person")]
    [InlineData("t9", "bob", "wrong", "an unknown community")]
    [InlineData("t1", "cy", "wrong", "a person without a password")]
    [InlineData("t1", "a b", "wrong", "a name no account can have")]
    public void EveryPasswordCheckCostsOnePbkdf2Run(string tenant, string user, string password, string what)
    {
        var people = host.Service.Services.GetRequiredService<IOidcPeople>();
        people.CheckPassword("t1", "nobody", "warm-up");

        var before = Passwords.RunsOnThisThread;
        people.CheckPassword(tenant, user, password);

        (Passwords.RunsOnThisThread - before).Should().Be(1, what);
    }
}
