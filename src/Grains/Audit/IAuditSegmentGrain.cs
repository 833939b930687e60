using Orleans.Concurrency;

namespace ControlPlane.Grains.Audit;

/// <summary>A sealed segment of an audit day, keyed <c>yyyyMMdd-NNNN</c>: written once, then only read.</summary>
public interface IAuditSegmentGrain : IGrainWithStringKey
{
    /// <summary>Stores the segment's entries (oldest first). Sealing again with the same entries changes nothing.</summary>
    Task SealAsync(IReadOnlyList<AuditEntry> entries);

    /// <summary>Entries matching <paramref name="query"/>, newest first, at most its limit.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query);
}
