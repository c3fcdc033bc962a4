namespace OpenMeet.AppService.Internal;

public sealed record TenantBody(string? Name, string? Domain);

public sealed record TenantReply(string TenantId, string Name, string? Domain);

/// <summary><c>revoked: false</c> lifts a revocation (audited); without it a revoked person stays revoked.</summary>
public sealed record UserBody(string? Name, string? Email, string? Handle, string? Password, bool? Revoked = null);

public sealed record UserReply(string TenantId, string UserSlug, string Name, string? Handle, string? UserId, bool Revoked, RevocationSteps? Revocation);

/// <summary>How far a revocation has got; taking the person out of the rooms is each room's reconcile (see its <c>/room</c>).</summary>
public sealed record RevocationSteps(bool AccountLocked, bool SessionsEnded, bool Done);
