using System.Globalization;
using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Audit;

/// <summary>
/// One day of the audit log. A grain per day keeps each stored record bounded by a day's operator actions
/// (operators act by hand, so a day holds hundreds, not millions) and lets old days be read without
/// loading the whole history.
/// </summary>
public sealed class AuditDayGrain(
    [PersistentState("audit-day", FleetStorage.Name)] IPersistentState<AuditDayRecord> record) : Grain, IAuditDayGrain
{
    /// <summary>The grain key of the day holding <paramref name="time"/>.</summary>
    public static string DayOf(DateTimeOffset time) => time.UtcDateTime.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public async Task<AuditEntry> AppendAsync(AuditEntry entry)
    {
        var stored = entry with { EntryId = string.Create(CultureInfo.InvariantCulture, $"{this.GetPrimaryKeyString()}-{++record.State.LastSequence:D8}") };
        record.State.Entries.Add(stored);
        await record.WriteStateAsync();
        return stored;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query)
    {
        var found = new List<AuditEntry>();
        for (var i = record.State.Entries.Count - 1; i >= 0 && found.Count < query.Limit; i--)
        {
            if (query.Matches(record.State.Entries[i]))
            {
                found.Add(record.State.Entries[i]);
            }
        }

        return Task.FromResult<IReadOnlyList<AuditEntry>>(found);
    }
}

/// <summary>The stored entries of one audit day, oldest first.</summary>
[GenerateSerializer, Alias("cp.AuditDayRecord")]
public sealed class AuditDayRecord
{
    /// <summary>The day's entries in the order they were appended.</summary>
    [Id(0)] public List<AuditEntry> Entries { get; set; } = [];

    /// <summary>The sequence number of the last entry.</summary>
    [Id(1)] public long LastSequence { get; set; }
}
