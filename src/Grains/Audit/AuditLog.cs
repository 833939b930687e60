namespace ControlPlane.Grains.Audit;

/// <summary>Reads and writes the audit log across its day grains.</summary>
public sealed class AuditLog(IGrainFactory grains, TimeProvider time)
{
    /// <summary>Longest span one query may cover.</summary>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(400);

    /// <summary>Appends <paramref name="entry"/> to its day (taken from its time, or now when unset).</summary>
    public Task<AuditEntry> AppendAsync(AuditEntry entry, CancellationToken cancellationToken)
    {
        var stamped = entry.Time == default ? entry with { Time = time.GetUtcNow() } : entry;
        return grains.GetGrain<IAuditDayGrain>(AuditDayGrain.DayOf(stamped.Time)).AppendAsync(stamped).WaitAsync(cancellationToken);
    }

    /// <summary>Entries matching <paramref name="query"/>, newest first, walking back a day at a time.</summary>
    public async Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var found = new List<AuditEntry>();
        var firstDay = query.From.UtcDateTime.Date;
        for (var day = query.Until.UtcDateTime.Date; day >= firstDay && found.Count < query.Limit; day = day.AddDays(-1))
        {
            // Paging: days newer than the page token's are already listed.
            var key = AuditDayGrain.DayOf(new DateTimeOffset(day, TimeSpan.Zero));
            if (query.BeforeEntryId is { } before && string.CompareOrdinal(key, before) > 0)
            {
                continue;
            }

            var entries = await grains.GetGrain<IAuditDayGrain>(key).ListAsync(query with { Limit = query.Limit - found.Count }).WaitAsync(cancellationToken);
            found.AddRange(entries);
        }

        return found;
    }
}
