namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>What the issuer's redirect to OpenMeet carries (state, nonce) and the cookie it sets (<c>name=nonce</c>).</summary>
internal sealed record Handoff(string State, string Nonce, string Cookie);
