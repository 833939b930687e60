using Orleans.Concurrency;

namespace ControlPlane.Grains.Audit;

/// <summary>The audit entries of one UTC day, keyed <c>yyyyMMdd</c>; durable with the rest of the state.</summary>
public interface IAuditDayGrain : IGrainWithStringKey
{
    /// <summary>Appends <paramref name="entry"/> (its id is assigned here) and returns it once it is written.</summary>
    Task<AuditEntry> AppendAsync(AuditEntry entry);

    /// <summary>This day's entries matching <paramref name="query"/>, newest first, at most its limit.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query);
}
