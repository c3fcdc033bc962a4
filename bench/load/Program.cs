using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using OpenMeet.Bench.Load;

var options = Options.Parse(args, out var error);
if (options is null)
{
    if (!string.IsNullOrEmpty(error))
    {
        Console.Error.WriteLine(error);
    }

    Console.Error.WriteLine(Options.Usage);
    return string.IsNullOrEmpty(error) ? 0 : 2;
}

var connections = 0;
using var handler = new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    MaxConnectionsPerServer = options.InFlight,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
    PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
    ConnectCallback = async (context, cancellationToken) =>
    {
        Interlocked.Increment(ref connections);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    },
};
using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(options.TimeoutSeconds) };
var authorization = new AuthenticationHeaderValue("Bearer", options.Token);
var jsonType = new MediaTypeHeaderValue("application/json");
var factory = new EventFactory(options.ServerName, options.Seed, options.EventsPerTxn);
var basePath = options.Url.ToString().TrimEnd('/') + "/_matrix/app/v1/transactions/";
var runId = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
long txnSeq = 0;
var bodies = new Lock();

// One transaction, as Synapse sends it; returns its latency in Stopwatch ticks: from the first byte
// sent to the last byte of the answer read. Giving the body fresh event ids is not in it.
async Task<long> SendAsync()
{
    ReadOnlyMemory<byte> body;
    lock (bodies)
    {
        body = factory.Next();
    }

    var seq = Interlocked.Increment(ref txnSeq);
    using var request = new HttpRequestMessage(HttpMethod.Put, basePath + runId + "-" + seq.ToString(CultureInfo.InvariantCulture))
    {
        Content = new ReadOnlyMemoryContent(body),
    };
    request.Headers.Authorization = authorization;
    request.Content.Headers.ContentType = jsonType;
    var start = Stopwatch.GetTimestamp();
    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseContentRead);
    var answer = await response.Content.ReadAsStringAsync();
    var ticks = Stopwatch.GetTimestamp() - start;
    if (!response.IsSuccessStatusCode)
    {
        throw new HttpRequestException($"transaction {seq}: HTTP {(int)response.StatusCode}: {answer}");
    }

    return ticks;
}

Console.WriteLine($"target {options.Url} | {options.EventsPerTxn} events/txn | {options.InFlight} in flight | warm-up {options.WarmupSeconds} s | measured {(options.Count is { } c ? c + " txns" : options.Seconds + " s")}");
try
{
    var warmupEnd = Stopwatch.GetTimestamp() + (long)(options.WarmupSeconds * Stopwatch.Frequency);
    var warmupTxns = 0;
    await Task.WhenAll(Enumerable.Range(0, options.InFlight).Select(async _ =>
    {
        while (Stopwatch.GetTimestamp() < warmupEnd)
        {
            await SendAsync();
            Interlocked.Increment(ref warmupTxns);
        }
    }));

    Console.WriteLine($"warm-up: {warmupTxns} txns");

    var latencies = new List<long>(1 << 16);
    var measuredStart = Stopwatch.GetTimestamp();
    var measuredEnd = options.Seconds is { } s ? measuredStart + (long)(s * Stopwatch.Frequency) : long.MaxValue;
    var limit = options.Count ?? long.MaxValue;
    var taken = 0L;
    await Task.WhenAll(Enumerable.Range(0, options.InFlight).Select(async _ =>
    {
        while (Interlocked.Increment(ref taken) <= limit && Stopwatch.GetTimestamp() < measuredEnd)
        {
            var ticks = await SendAsync();
            lock (latencies)
            {
                latencies.Add(ticks);
            }
        }
    }));

    var wall = Stopwatch.GetElapsedTime(measuredStart).TotalSeconds;
    var result = Result.Of(latencies, wall, options.EventsPerTxn, factory.AverageEventBytes, connections, Environment.CpuUsage.TotalTime);
    Console.WriteLine(result.Describe());
    if (options.ResultFile is not null)
    {
        File.AppendAllText(options.ResultFile, result.Line(options.Label ?? options.Url.ToString()) + "\n");
    }

    return 0;
}
catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
{
    Console.Error.WriteLine($"load failed after {txnSeq} transactions: {e.Message}");
    return 1;
}
