using System.Net;
using System.Text;

namespace OpenMeet.AppService.AdminBot;

/// <summary>What the bot answers: a plain-text body that reads well alone, and the same as HTML.</summary>
public sealed record Reply(bool Ok, string Text, string Html)
{
    /// <summary>Set on a question: what to do when the admin who asked confirms with a ✅ reaction.</summary>
    public Func<CancellationToken, Task<Reply>>? OnConfirm { get; init; }

    /// <summary>Set on a reply to work still going on: its later versions, each sent as an edit of it
    /// (<c>m.replace</c>), the last one final.</summary>
    public Func<CancellationToken, IAsyncEnumerable<Reply>>? Updates { get; init; }

    public static Reply Success(string text) => new(true, text, Encode(text));

    public static Reply Failure(string text) => new(false, text, Encode(text));

    public static string Encode(string text) => WebUtility.HtmlEncode(text).Replace("\n", "<br>", StringComparison.Ordinal);

    public static string Code(string text) => $"<code>{WebUtility.HtmlEncode(text)}</code>";

    /// <summary>A table: aligned columns in the text, a real table in the HTML.</summary>
    public static Reply Table(string title, IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, string? footer = null)
    {
        var widths = headers.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder(title).Append('\n');
        text.Append(string.Join("  ", headers.Select((h, i) => h.PadRight(widths[i]))).TrimEnd()).Append('\n');
        foreach (var row in rows)
        {
            text.Append(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd()).Append('\n');
        }

        var html = new StringBuilder($"<p>{Encode(title)}</p><table><thead><tr>");
        html.Append(string.Concat(headers.Select(h => $"<th>{WebUtility.HtmlEncode(h)}</th>"))).Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            html.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{Code(c)}</td>"))).Append("</tr>");
        }

        html.Append("</tbody></table>");
        if (footer is not null)
        {
            text.Append(footer);
            html.Append($"<p>{Encode(footer)}</p>");
        }

        return new Reply(true, text.ToString().TrimEnd(), html.ToString());
    }
}
