using System.Globalization;
using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Audit;

/// <summary>
/// One day of the audit log. A grain per day lets old days be read without loading the whole history; within
/// a day, entries go to an open segment kept in this grain's record, and a segment that reaches
/// <see cref="SegmentBytes"/> is sealed into its own grain (<see cref="IAuditSegmentGrain"/>), so no stored
/// record grows without bound however many refused attempts a day records.
/// </summary>
public sealed class AuditDayGrain(
    [PersistentState("audit-day", FleetStorage.Name)] IPersistentState<AuditDayRecord> record) : Grain, IAuditDayGrain
{
    /// <summary>Rough size at which the open segment is sealed: half a Cosmos DB item's 2 MB limit.</summary>
    public const int SegmentBytes = 1_000_000;

    /// <summary>The grain key of the day holding <paramref name="time"/>.</summary>
    public static string DayOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>The grain key of sealed segment <paramref name="segment"/> of <paramref name="day"/>.</summary>
    public static string SegmentOf(string day, int segment) => string.Create(CultureInfo.InvariantCulture, $"{day}-{segment:D4}");

    private string Day => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public async Task<AuditEntry> AppendAsync(AuditEntry entry)
    {
        var stored = entry with { EntryId = string.Create(CultureInfo.InvariantCulture, $"{Day}-{++record.State.LastSequence:D8}") };
        record.State.Entries.Add(stored);
        record.State.OpenBytes += SizeOf(stored);
        if (record.State.OpenBytes >= SegmentBytes)
        {
            // Sealed first, then cleared here: a crash in between seals the same entries again at the next append.
            await GrainFactory.GetGrain<IAuditSegmentGrain>(SegmentOf(Day, record.State.Segments)).SealAsync(record.State.Entries);
            record.State.Segments++;
            record.State.Entries = [];
            record.State.OpenBytes = 0;
        }

        await record.WriteStateAsync();
        return stored;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query)
    {
        var found = Newest(record.State.Entries, query, query.Limit);
        for (var segment = record.State.Segments - 1; segment >= 0 && found.Count < query.Limit; segment--)
        {
            found.AddRange(await GrainFactory.GetGrain<IAuditSegmentGrain>(SegmentOf(Day, segment)).ListAsync(query with { Limit = query.Limit - found.Count }));
        }

        return found;
    }

    /// <summary>Entries of <paramref name="entries"/> (oldest first) matching <paramref name="query"/>, newest first, at most <paramref name="limit"/>.</summary>
    internal static List<AuditEntry> Newest(IReadOnlyList<AuditEntry> entries, AuditQuery query, int limit)
    {
        var found = new List<AuditEntry>();
        for (var i = entries.Count - 1; i >= 0 && found.Count < limit; i--)
        {
            if (query.Matches(entries[i]))
            {
                found.Add(entries[i]);
            }
        }

        return found;
    }

    // An upper estimate of an entry's stored size (MessagePack strings are their UTF-8 bytes plus a header).
    private static int SizeOf(AuditEntry entry) =>
        64 + (3 * (entry.EntryId.Length + entry.Actor.Length + entry.Role.Length + entry.Action.Length + entry.Reason.Length
            + entry.RequestId.Length + entry.Result.Length + entry.ResultMessage.Length
            + entry.Targets.Sum(t => t.Length + 2) + entry.Parameters.Sum(p => p.Key.Length + p.Value.Length + 4)));
}

/// <summary>The stored open segment of one audit day, oldest first, and how many segments were sealed before it.</summary>
[GenerateSerializer, Alias("cp.AuditDayRecord")]
public sealed class AuditDayRecord
{
    /// <summary>The open segment's entries in the order they were appended.</summary>
    [Id(0)] public List<AuditEntry> Entries { get; set; } = [];

    /// <summary>The sequence number of the day's last entry.</summary>
    [Id(1)] public long LastSequence { get; set; }

    /// <summary>Segments sealed before the open one (numbered from 0).</summary>
    [Id(2)] public int Segments { get; set; }

    /// <summary>The open segment's estimated stored size.</summary>
    [Id(3)] public int OpenBytes { get; set; }
}
