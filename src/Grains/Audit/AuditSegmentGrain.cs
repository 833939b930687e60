using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Audit;

/// <summary>Keeps one sealed segment of an audit day.</summary>
public sealed class AuditSegmentGrain(
    [PersistentState("audit-segment", FleetStorage.Name)] IPersistentState<AuditSegmentRecord> record) : Grain, IAuditSegmentGrain
{
    /// <inheritdoc />
    public async Task SealAsync(IReadOnlyList<AuditEntry> entries)
    {
        record.State.Entries = [.. entries];
        await record.WriteStateAsync();
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<AuditEntry>> ListAsync(AuditQuery query) =>
        Task.FromResult<IReadOnlyList<AuditEntry>>(AuditDayGrain.Newest(record.State.Entries, query, query.Limit));
}

/// <summary>The stored entries of a sealed audit segment, oldest first.</summary>
[GenerateSerializer, Alias("cp.AuditSegmentRecord")]
public sealed class AuditSegmentRecord
{
    /// <summary>The entries.</summary>
    [Id(0)] public List<AuditEntry> Entries { get; set; } = [];
}
