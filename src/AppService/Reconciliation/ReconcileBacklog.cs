using System.Collections.Concurrent;
using System.Threading.Channels;

namespace OpenMeet.AppService.Reconciliation;

/// <summary>
/// Keys to reconcile (room keys, and <c>user:</c> keys for accounts), each at most once in the queue
/// and handled by one worker at a time: a key enqueued while it runs runs again afterwards. The
/// channel is unbounded because the dedupe bounds it by the number of rooms and users.
/// </summary>
public sealed class ReconcileBacklog
{
    private readonly Channel<string> channel = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte> queued = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> again = new(StringComparer.Ordinal);
    private readonly Lock gate = new();
    private readonly PriorityQueue<string, DateTime> later = new();
    private readonly HashSet<string> soon = new(StringComparer.Ordinal);

    /// <summary>How long a change from OpenMeet waits for the changes that come with it: the k role
    /// changes OpenMeet sends one by one become one power-level event.</summary>
    public static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(250);

    public int Depth => queued.Count + running.Count;

    public void Enqueue(string key)
    {
        lock (gate)
        {
            if (running.ContainsKey(key))
            {
                again[key] = 0;
            }
            else if (queued.TryAdd(key, 0))
            {
                channel.Writer.TryWrite(key);
            }
        }
    }

    /// <summary>Enqueues after <see cref="Debounce"/>, once however often it is asked for meanwhile.</summary>
    public void EnqueueSoon(string key)
    {
        lock (gate)
        {
            if (soon.Add(key))
            {
                later.Enqueue(key, DateTime.UtcNow + Debounce);
            }
        }
    }

    /// <summary>Enqueues after a delay (a retry with backoff); <see cref="PromoteDue"/> moves it in.</summary>
    public void EnqueueAfter(string key, TimeSpan delay)
    {
        lock (gate)
        {
            later.Enqueue(key, DateTime.UtcNow + delay);
        }
    }

    public void PromoteDue()
    {
        List<string> due = [];
        lock (gate)
        {
            while (later.TryPeek(out var key, out var at) && at <= DateTime.UtcNow)
            {
                later.Dequeue();
                soon.Remove(key);
                due.Add(key);
            }
        }

        due.ForEach(Enqueue);
    }

    public async ValueTask<string> TakeAsync(CancellationToken cancellationToken)
    {
        var key = await channel.Reader.ReadAsync(cancellationToken);
        lock (gate)
        {
            queued.TryRemove(key, out _);
            running[key] = 0;
        }

        return key;
    }

    public void Done(string key)
    {
        lock (gate)
        {
            running.TryRemove(key, out _);
            if (!again.TryRemove(key, out _))
            {
                return;
            }
        }

        Enqueue(key);
    }
}
