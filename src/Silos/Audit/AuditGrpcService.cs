using ControlPlane.Grains.Audit;
using ControlPlane.Silos.Validation;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Audit;

/// <summary>Lists the audit log, newest first, with filters and pages.</summary>
public sealed class AuditGrpcService(AuditLog log, TimeProvider time) : V1.AuditService.AuditServiceBase
{
    /// <summary>Page size when the request leaves it 0.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>Largest page.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>How far back a request without a start time looks.</summary>
    public static readonly TimeSpan DefaultSpan = TimeSpan.FromDays(7);

    private const string PageTokenPrefix = "before:";

    /// <inheritdoc />
    public override async Task<V1.ListAuditEntriesResponse> ListAuditEntries(V1.ListAuditEntriesRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        violations.Check(request.PageSize is >= 0 and <= MaxPageSize, "page_size", $"must be 0..{MaxPageSize} (got {request.PageSize})");
        violations.Check(request.Actor.Length <= 256, "actor", $"must be at most 256 characters (got {request.Actor.Length})");
        violations.Check(request.Action.Length <= 64, "action", $"must be at most 64 characters (got {request.Action.Length})");
        violations.Check(request.Target.Length <= 256, "target", $"must be at most 256 characters (got {request.Target.Length})");
        var now = time.GetUtcNow();
        var until = Time(request.EndTime, "end_time", violations) ?? now;
        var from = Time(request.StartTime, "start_time", violations) ?? until - DefaultSpan;
        violations.Check(from <= until, "start_time", $"must not be after end_time ({until:O})");
        violations.Check(until - from <= AuditLog.MaxSpan, "start_time", $"must be within {AuditLog.MaxSpan.TotalDays:F0} days of end_time; list a longer history in pieces");
        var before = PageTokens.Decode(request.PageToken, PageTokenPrefix, key => key.Length is > 0 and <= 32, violations);
        violations.ThrowIfAny();

        var pageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize;
        var entries = await log.ListAsync(
            new AuditQuery(from, until, NullIfEmpty(request.Actor), NullIfEmpty(request.Action), NullIfEmpty(request.Target), before, pageSize + 1),
            context.CancellationToken);
        var response = new V1.ListAuditEntriesResponse();
        response.Entries.AddRange(entries.Take(pageSize).Select(ToContract));
        if (entries.Count > pageSize)
        {
            response.NextPageToken = PageTokens.Encode(PageTokenPrefix, entries[pageSize - 1].EntryId);
        }

        return response;
    }

    /// <summary>The wire form of an audit entry.</summary>
    public static V1.AuditEntry ToContract(AuditEntry entry)
    {
        var wire = new V1.AuditEntry
        {
            EntryId = entry.EntryId,
            Time = Timestamp.FromDateTimeOffset(entry.Time),
            Actor = entry.Actor,
            Role = entry.Role,
            Action = entry.Action,
            Reason = entry.Reason,
            RequestId = entry.RequestId,
            Result = entry.Result,
            ResultMessage = entry.ResultMessage,
        };
        wire.Targets.AddRange(entry.Targets);
        foreach (var (name, value) in entry.Parameters)
        {
            wire.Parameters[name] = value;
        }
        return wire;
    }

    private static DateTimeOffset? Time(Timestamp? timestamp, string field, FieldViolations violations)
    {
        if (timestamp is null)
        {
            return null;
        }

        // Timestamp's own range is years 1..9999 with nanos 0..999,999,999.
        if (timestamp.Seconds is < -62135596800 or > 253402300799 || timestamp.Nanos is < 0 or > 999_999_999)
        {
            violations.Add(field, "must be a valid timestamp between years 1 and 9999");
            return null;
        }

        return timestamp.ToDateTimeOffset();
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
