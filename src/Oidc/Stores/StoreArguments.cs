using System.Runtime.CompilerServices;

namespace OpenMeet.Oidc.Stores;

/// <summary>The null check every store method that is handed a document starts with.</summary>
internal static class StoreArguments
{
    /// <summary>
    /// Returns <paramref name="document"/> so a getter or setter checks and uses it in one expression; the
    /// exception names the store method's own parameter, as a check written in the method would.
    /// </summary>
    public static T Checked<T>(T document, [CallerArgumentExpression(nameof(document))] string? parameter = null)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(document, parameter);
        return document;
    }
}
