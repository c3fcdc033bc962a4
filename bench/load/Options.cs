using System.Globalization;

namespace OpenMeet.Bench.Load;

/// <summary>Command-line options of the load generator.</summary>
internal sealed class Options
{
    public const string Usage = """
        openmeet-load: sends Synapse-like appservice transactions one at a time and measures the acknowledgements.

          --url URL             base URL of the push API (default http://127.0.0.1:8009)
          --token TOKEN         the hs_token, sent as 'Authorization: Bearer TOKEN' (required)
          --events-per-txn N    m.room.message events per transaction, 1-1000 (default 100)
          --seconds S           measured phase length in seconds (default 20)
          --count N             measured phase length in transactions (instead of --seconds)
          --warmup S            warm-up length in seconds, not measured (default 5)
          --label NAME          name of the run in the result line (default: the URL)
          --result-file PATH    append one tab-separated result line to PATH
          --server-name NAME    server name in room and user ids (default openmeet.localhost)
          --timeout S           per-request timeout in seconds (default 10)
          --seed N              seed of the event generator (default 1)
          --in-flight N         transactions in flight at once, each on its own connection, 1-64 (default 1:
                                Synapse's way; proxies and test harnesses may send several)
        """;

    public Uri Url { get; private set; } = new("http://127.0.0.1:8009");
    public string Token { get; private set; } = "";
    public int EventsPerTxn { get; private set; } = 100;
    public double? Seconds { get; private set; }
    public long? Count { get; private set; }
    public double WarmupSeconds { get; private set; } = 5;
    public string? Label { get; private set; }
    public string? ResultFile { get; private set; }
    public string ServerName { get; private set; } = "openmeet.localhost";
    public double TimeoutSeconds { get; private set; } = 10;
    public int Seed { get; private set; } = 1;
    public int InFlight { get; private set; } = 1;

    /// <summary>Parses the arguments; null with a message in <paramref name="error"/> when they are wrong.</summary>
    public static Options? Parse(string[] args, out string? error)
    {
        var o = new Options();
        error = null;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name is "-h" or "--help")
            {
                error = "";
                return null;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name}: a value is missing";
                return null;
            }

            var value = args[++i];
            error = name switch
            {
                "--url" => Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
                    ? Set(() => o.Url = url) : "--url: expected an absolute http(s) URL",
                "--token" => value.Length > 0 ? Set(() => o.Token = value) : "--token: must not be empty",
                "--events-per-txn" => Int(value, 1, 1000, out var n) ? Set(() => o.EventsPerTxn = n) : "--events-per-txn: expected 1-1000",
                "--seconds" => Number(value, 0.1, 3600, out var s) ? Set(() => o.Seconds = s) : "--seconds: expected 0.1-3600",
                "--count" => Int(value, 1, 10_000_000, out var c) ? Set(() => o.Count = c) : "--count: expected 1-10000000",
                "--warmup" => Number(value, 0, 600, out var w) ? Set(() => o.WarmupSeconds = w) : "--warmup: expected 0-600 seconds",
                "--label" => Set(() => o.Label = value),
                "--result-file" => Set(() => o.ResultFile = value),
                "--server-name" => value.Length > 0 ? Set(() => o.ServerName = value) : "--server-name: must not be empty",
                "--timeout" => Number(value, 0.1, 600, out var t) ? Set(() => o.TimeoutSeconds = t) : "--timeout: expected 0.1-600 seconds",
                "--in-flight" => Int(value, 1, 64, out var f) ? Set(() => o.InFlight = f) : "--in-flight: expected 1-64",
                "--seed" => Int(value, 0, int.MaxValue, out var seed) ? Set(() => o.Seed = seed) : "--seed: expected a non-negative integer",
                _ => $"unknown option {name}",
            };
            if (error is not null)
            {
                return null;
            }
        }

        if (o.Token.Length == 0)
        {
            error = "--token is required";
            return null;
        }

        if (o.Seconds is not null && o.Count is not null)
        {
            error = "give --seconds or --count, not both";
            return null;
        }

        if (o.Seconds is null && o.Count is null)
        {
            o.Seconds = 20;
        }

        return o;
    }

    private static string? Set(Action set)
    {
        set();
        return null;
    }

    private static bool Int(string value, int min, int max, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;

    private static bool Number(string value, double min, double max, out double result) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
}
