using System.Text;
using OpenMeet.AppService.Transactions;

namespace OpenMeet.AppService.Tests.Transactions;

public sealed class TransactionLogTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "openmeet-log-" + Guid.NewGuid().ToString("N"));
    private readonly List<string> warnings = [];

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private TransactionLog Open(long segmentBytes = 1 << 20) => new(folder, fsync: true, segmentBytes, warnings.Add);

    private static byte[] Body(int n, int size = 300) => Encoding.UTF8.GetBytes($"{{\"events\":[],\"n\":{n},\"pad\":\"{new string('x', size)}\"}}");

    private static long Append(TransactionLog log, int n, int size = 300)
    {
        var seq = log.Append((UInt128)n * 7919, $"txn{n}", Body(n, size), DateTime.UtcNow);
        log.SyncThrough(seq);
        return seq;
    }

    private string Segment => Directory.GetFiles(folder, "*.seg").Order(StringComparer.Ordinal).Last();

    [Fact]
    public void RecordsComeBackInOrderAfterReopen()
    {
        using (var log = Open())
        {
            for (var n = 1; n <= 5; n++)
            {
                Append(log, n).Should().Be(n);
            }
        }

        using var reopened = Open();
        reopened.Entries.Select(e => (e.Seq, e.TxnId, e.Key)).Should().Equal(
            Enumerable.Range(1, 5).Select(n => ((long)n, $"txn{n}", (UInt128)n * 7919)));
        reopened.ReadBody(reopened.Entries[2]).Should().Equal(Body(3));
        reopened.LastSeq.Should().Be(5);
        warnings.Should().BeEmpty();
    }

    // A crash can stop the write of the last record anywhere; that record was never acknowledged.
    [Fact]
    public void TornLastRecordIsDroppedWhereverTheWriteStopped()
    {
        long complete, whole;
        using (var log = Open())
        {
            Append(log, 1);
            Append(log, 2);
            complete = new FileInfo(Segment).Length;
            Append(log, 3);
            whole = new FileInfo(Segment).Length;
        }

        var original = File.ReadAllBytes(Segment);
        for (var cut = complete; cut < whole; cut++)
        {
            File.WriteAllBytes(Segment, original[..(int)cut]);
            warnings.Clear();
            using (var log = Open())
            {
                log.Entries.Select(e => e.Seq).Should().Equal([1L, 2L], $"the record cut at byte {cut - complete} is torn");
                warnings.Should().HaveCount(cut == complete ? 0 : 1);
                Append(log, 30).Should().Be(3, "numbering goes on after the last whole record");
            }

            using (var log = Open())
            {
                log.Entries.Select(e => e.TxnId).Should().Equal("txn1", "txn2", "txn30");
            }

            foreach (var extra in Directory.GetFiles(folder, "*.seg").Order(StringComparer.Ordinal).Skip(1))
            {
                File.Delete(extra);
            }
        }
    }

    [Theory]
    [InlineData(0)]   // the magic
    [InlineData(20)]  // the sequence number
    [InlineData(45)]  // the key
    [InlineData(120)] // the body
    public void CorruptByteInTheLastRecordFailsItsChecksum(int offset)
    {
        long start;
        using (var log = Open())
        {
            Append(log, 1);
            start = new FileInfo(Segment).Length;
            Append(log, 2);
        }

        var bytes = File.ReadAllBytes(Segment);
        bytes[start + offset] ^= 0x40;
        File.WriteAllBytes(Segment, bytes);

        using var reopened = Open();
        reopened.Entries.Select(e => e.Seq).Should().Equal(1L);
        warnings.Should().ContainSingle();
        new FileInfo(Segment).Length.Should().Be(start, "the torn tail is cut off");
    }

    // ext4 may show a crashed append as zeroes up to the new size.
    [Fact]
    public void ZeroFilledTailEndsTheLog()
    {
        using (var log = Open())
        {
            Append(log, 1);
        }

        using (var file = new FileStream(Segment, FileMode.Append))
        {
            file.Write(new byte[4096]);
        }

        using var reopened = Open();
        reopened.Entries.Select(e => e.Seq).Should().Equal(1L);
    }

    [Fact]
    public void SegmentsRotateAndWhollyDispatchedOnesAreDeleted()
    {
        using var log = Open(segmentBytes: 4096);
        for (var n = 1; n <= 40; n++)
        {
            Append(log, n, size: 1000);
        }

        var before = Directory.GetFiles(folder, "*.seg").Length;
        before.Should().BeGreaterThan(5);
        var firstUndispatched = log.Segments[^2].LastSeq;

        log.DeleteThrough(firstUndispatched - 1).Should().Be(before - 2);
        log.Segments.Should().HaveCount(2, "the segment holding the first undispatched record stays, and the one being written");
        Directory.GetFiles(folder, "*.seg").Should().HaveCount(2);
        log.DeleteThrough(40).Should().Be(1);
        log.Segments.Should().ContainSingle("the segment being written is never deleted");

        using var reopened = Open(segmentBytes: 4096);
        reopened.Entries.Select(e => e.Seq).Should().OnlyContain(s => s > 30).And.Contain(40);
    }

    [Fact]
    public async Task WritersWaitingTogetherAreAllDurableAndNumberedOnce()
    {
        using (var log = Open())
        {
            var seqs = await Task.WhenAll(Enumerable.Range(1, 64).Select(n => Task.Run(() => Append(log, n))));
            seqs.Should().OnlyHaveUniqueItems().And.HaveCount(64);
            log.DurableSeq.Should().Be(64);
        }

        using var reopened = Open();
        reopened.Entries.Select(e => e.Seq).Should().Equal(Enumerable.Range(1, 64).Select(n => (long)n));
    }

    // A dispatched segment becomes the next one written: what it held before must never come back.
    [Fact]
    public void RecycledSegmentsHoldOnlyTheirNewRecords()
    {
        using (var log = Open(segmentBytes: 4096))
        {
            for (var n = 1; n <= 60; n++)
            {
                Append(log, n, size: 1000);
                log.DeleteThrough(n - 1);
            }

            Directory.GetFiles(folder).Select(Path.GetFileName).Should().Contain("spare");
            Directory.GetFiles(folder, "*.seg").Should().HaveCountLessThanOrEqualTo(2);
        }

        using var reopened = Open(segmentBytes: 4096);
        reopened.Entries.Select(e => e.Seq).Should().BeInAscendingOrder().And.OnlyContain(s => s > 50).And.Contain(60);
        reopened.Entries.Select(e => reopened.ReadBody(e)).Last().Should().Equal(Body(60, 1000));
        warnings.Should().BeEmpty("the old records of a recycled file are not torn ones");
    }
}
