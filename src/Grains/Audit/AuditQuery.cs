namespace ControlPlane.Grains.Audit;

/// <summary>Which audit entries to list, newest first.</summary>
/// <param name="From">Entries at or after this time.</param>
/// <param name="Until">Entries before this time.</param>
/// <param name="Actor">Only this actor; null for any.</param>
/// <param name="Action">Only this action; null for any.</param>
/// <param name="Target">Only entries naming this target; null for any.</param>
/// <param name="BeforeEntryId">Only entries older than this one (paging); null to start at the newest.</param>
/// <param name="Limit">Most entries to return.</param>
[GenerateSerializer, Immutable, Alias("cp.AuditQuery")]
public sealed record AuditQuery(
    [property: Id(0)] DateTimeOffset From,
    [property: Id(1)] DateTimeOffset Until,
    [property: Id(2)] string? Actor,
    [property: Id(3)] string? Action,
    [property: Id(4)] string? Target,
    [property: Id(5)] string? BeforeEntryId,
    [property: Id(6)] int Limit)
{
    /// <summary>Whether <paramref name="entry"/> matches every filter but the limit.</summary>
    public bool Matches(AuditEntry entry) =>
        entry.Time >= From && entry.Time < Until
        && (Actor is null || string.Equals(entry.Actor, Actor, StringComparison.Ordinal))
        && (Action is null || string.Equals(entry.Action, Action, StringComparison.Ordinal))
        && (Target is null || entry.Targets.Contains(Target, StringComparer.Ordinal))
        && (BeforeEntryId is null || string.CompareOrdinal(entry.EntryId, BeforeEntryId) < 0);
}
