namespace ControlPlane.Grains.Audit;

/// <summary>One operator action and how it ended (DESIGN.md §2: every operator action lands in the audit log).</summary>
/// <param name="EntryId">Sortable id, <c>{yyyyMMdd}-{sequence}</c>; newer entries sort later. Empty until appended.</param>
/// <param name="Time">When the action ended.</param>
/// <param name="Actor">The subject of the caller's token.</param>
/// <param name="Role">The role the token carried.</param>
/// <param name="Action">What was asked, e.g. <c>drain</c> or <c>deployments.scale</c>.</param>
/// <param name="Targets">Accelerator ids or a deployment name.</param>
/// <param name="Reason">The operator's reason (may be empty).</param>
/// <param name="Parameters">Other arguments, by name.</param>
/// <param name="RequestId">The client's request id (may be empty).</param>
/// <param name="Result">The gRPC status code name: <c>OK</c>, <c>FAILED_PRECONDITION</c> ...</param>
/// <param name="ResultMessage">The error message, or a summary of what happened.</param>
[GenerateSerializer, Immutable, Alias("cp.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] string EntryId,
    [property: Id(1)] DateTimeOffset Time,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Role,
    [property: Id(4)] string Action,
    [property: Id(5)] IReadOnlyList<string> Targets,
    [property: Id(6)] string Reason,
    [property: Id(7)] IReadOnlyDictionary<string, string> Parameters,
    [property: Id(8)] string RequestId,
    [property: Id(9)] string Result,
    [property: Id(10)] string ResultMessage);
