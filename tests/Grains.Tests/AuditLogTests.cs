using ControlPlane.Grains.Audit;

namespace ControlPlane.Grains.Tests;

[Collection(FleetClusterCollection.Name)]
public sealed class AuditLogTests(FleetClusterFixture cluster)
{
    // A day of its own for each test, far in the past, from the fixture's unique prefix.
    private DateTimeOffset Day() =>
        new DateTimeOffset(1990, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(int.Parse(cluster.NewPrefix()[1..], System.Globalization.CultureInfo.InvariantCulture));

    private static AuditEntry Entry(DateTimeOffset at, int i, string requestId = "", int reasonLength = 10) =>
        new("", at.AddSeconds(i), "alice", "operator", "cordon", [$"w{i}"], new string('r', reasonLength), new Dictionary<string, string>(), requestId, "OK", "");

    [Fact]
    public async Task A_busy_day_is_sealed_into_bounded_segments_and_listed_whole_newest_first_across_them()
    {
        var day = Day();
        var log = new AuditLog(cluster.Grains, TimeProvider.System);
        const int Count = 1_200; // ~3 KB each: more than three segments of ~1 MB
        for (var i = 0; i < Count; i++)
        {
            await log.AppendAsync(Entry(day, i, reasonLength: 1_000), CancellationToken.None);
        }

        var query = new AuditQuery(day, day.AddDays(1), null, null, null, null, Count + 10);
        var all = await log.ListAsync(query, CancellationToken.None);
        var page = await log.ListAsync(query with { Limit = 5, BeforeEntryId = all[400].EntryId }, CancellationToken.None);
        var key = AuditDayGrain.DayOf(day);

        Assert.Equal(Count, all.Count);
        Assert.Equal(Enumerable.Range(0, Count).Reverse().Select(i => $"w{i}"), all.Select(e => e.Targets[0]));
        Assert.Equal(all.Skip(401).Take(5).Select(e => e.EntryId), page.Select(e => e.EntryId));
        var sealedSegment = await cluster.Grains.GetGrain<IAuditSegmentGrain>(AuditDayGrain.SegmentOf(key, 0)).ListAsync(query);
        Assert.InRange(sealedSegment.Count, 200, 400); // a segment holds about 1 MB of entries, not the whole day
        Assert.Empty(await cluster.Grains.GetGrain<IAuditSegmentGrain>(AuditDayGrain.SegmentOf(key, 9)).ListAsync(query));
    }
}
