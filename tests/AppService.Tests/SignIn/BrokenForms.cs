using System.Text;

namespace OpenMeet.AppService.Tests.SignIn;

/// <summary>
/// Seeded breakage of a valid form post: fields missing, doubled or 100 KB long, 2,000 fields, a
/// %00 or a broken escape, bytes that are not UTF-8, another content type or none, multipart.
/// </summary>
internal static class BrokenForms
{
    public static readonly string Huge = new('h', 100_000);

    /// <summary>The fields with one of them dropped, doubled or swollen (or left alone), and what was done.</summary>
    public static (List<KeyValuePair<string, string>> Fields, string What) Mutate(IReadOnlyList<KeyValuePair<string, string>> valid, Random r)
    {
        var fields = valid.ToList();
        var at = r.Next(fields.Count);
        var name = fields[at].Key;
        switch (r.Next(5))
        {
            case 0:
                fields.RemoveAt(at);
                return (fields, $"without {name}");
            case 1:
                fields.Insert(at, new(name, r.Next(2) == 0 ? fields[at].Value : "other"));
                return (fields, $"{name} twice");
            case 2:
                fields[at] = new(name, Huge);
                return (fields, $"100 KB {name}");
            case 3:
                fields.AddRange(Enumerable.Range(0, 2000).Select(i => new KeyValuePair<string, string>($"f{i}", "v")));
                return (fields, "2,000 extra fields");
            default:
                return (fields, "fields as they were");
        }
    }

    /// <summary>The fields as a request body, mostly a proper form, sometimes not.</summary>
    public static (HttpContent Content, string What) Encode(List<KeyValuePair<string, string>> fields, Random r)
    {
        var form = string.Join('&', fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}"));
        return r.Next(12) switch
        {
            0 => (Raw(form + "&x=%00", "application/x-www-form-urlencoded"), "a %00"),
            1 => (Raw(form + "&x=%zz%", "application/x-www-form-urlencoded"), "a broken escape"),
            2 => (Raw([.. Encoding.UTF8.GetBytes(form + "&x="), 0xff, 0xfe, 0xc3], "application/x-www-form-urlencoded"), "bytes that are not UTF-8"),
            3 => (Raw(form, "application/x-www-form-urlencoded; charset=no-such-charset"), "an unknown charset"),
            4 => (Raw(form, "application/json"), "JSON's content type"),
            5 => (Raw(form, "text/plain"), "text/plain"),
            6 => (Raw(form, null), "no content type"),
            7 => (Multipart(fields), "multipart"),
            8 => (Raw("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nno end", "multipart/form-data; boundary=x"), "broken multipart"),
            _ => (Raw(form, "application/x-www-form-urlencoded"), "a form"),
        };
    }

    private static ByteArrayContent Raw(string text, string? type) => Raw(Encoding.UTF8.GetBytes(text), type);

    private static ByteArrayContent Raw(byte[] bytes, string? type)
    {
        var content = new ByteArrayContent(bytes);
        if (type is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", type);
        }

        return content;
    }

    private static MultipartFormDataContent Multipart(List<KeyValuePair<string, string>> fields)
    {
        var content = new MultipartFormDataContent();
        foreach (var (key, value) in fields.Take(50))
        {
            content.Add(new StringContent(value), key);
        }

        return content;
    }

    public static HttpRequestMessage Post(string path, HttpContent content, string? cookie)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (!string.IsNullOrEmpty(cookie))
        {
            request.Headers.Add("Cookie", cookie);
        }

        return request;
    }
}
