namespace ControlPlane.Grains.Idempotency;

/// <summary>
/// Request id -> first outcome, for the grains that take client-chosen <c>request_id</c>s (DESIGN.md §6a):
/// a retry with the same id and the same request gets the first outcome and acts no second time; the same
/// id for a different request is refused. Kept in the owning grain's state, so it survives with it.
/// Bounded: the newest <see cref="Capacity"/> requests, none older than <see cref="Retention"/>.
/// </summary>
[GenerateSerializer, Alias("cp.RequestLedger")]
public sealed class RequestLedger
{
    /// <summary>Most requests remembered per grain; the oldest is forgotten first.</summary>
    public const int Capacity = 64;

    /// <summary>How long a request is remembered: longer than any client's retry loop.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    /// <summary>Remembered requests, oldest first.</summary>
    [Id(0)] public List<LedgerEntry> Entries { get; set; } = [];

    /// <summary>What the ledger knows of <paramref name="requestId"/> at <paramref name="now"/>: nothing (act), the same request (answer its outcome), or another request under the same id (refuse).</summary>
    public LedgerAnswer<TOutcome> Check<TOutcome>(string requestId, string fingerprint, DateTimeOffset now)
        where TOutcome : struct, Enum
    {
        if (requestId.Length == 0 || Entries.FindLast(e => e.RequestId == requestId && now - e.At < Retention) is not { } seen)
        {
            return LedgerAnswer<TOutcome>.New;
        }

        return seen.Fingerprint == fingerprint
            ? new LedgerAnswer<TOutcome>(LedgerVerdict.Repeat, (TOutcome)Enum.ToObject(typeof(TOutcome), seen.Outcome), seen.Message)
            : new LedgerAnswer<TOutcome>(LedgerVerdict.IdReused, default, "");
    }

    /// <summary>Forgets <paramref name="requestId"/>: what was remembered for it was never stored.</summary>
    public void Forget(string requestId) => Entries.RemoveAll(e => e.RequestId == requestId);

    /// <summary>
    /// Remembers the outcome of <paramref name="requestId"/> (replacing what was remembered for it), forgetting
    /// expired and surplus entries. Nothing for an empty id. A grain remembers a request before the write that
    /// stores its effect, so the effect and the answer to a retry are stored together or not at all.
    /// </summary>
    public void Remember<TOutcome>(string requestId, string fingerprint, TOutcome outcome, string message, DateTimeOffset now)
        where TOutcome : struct, Enum
    {
        if (requestId.Length == 0)
        {
            return;
        }

        Entries.RemoveAll(e => now - e.At >= Retention || e.RequestId == requestId);
        Entries.Add(new LedgerEntry(requestId, fingerprint, Convert.ToInt32(outcome, System.Globalization.CultureInfo.InvariantCulture), message, now));
        if (Entries.Count > Capacity)
        {
            Entries.RemoveRange(0, Entries.Count - Capacity);
        }
    }
}

/// <summary>One request a grain already acted on.</summary>
/// <param name="RequestId">The client's request id.</param>
/// <param name="Fingerprint">What was asked, so the same id for another request is told apart.</param>
/// <param name="Outcome">The outcome code (the owning grain's refusal enum; 0 for success).</param>
/// <param name="Message">The outcome's message.</param>
/// <param name="At">When it was acted on.</param>
[GenerateSerializer, Immutable, Alias("cp.LedgerEntry")]
public sealed record LedgerEntry(
    [property: Id(0)] string RequestId,
    [property: Id(1)] string Fingerprint,
    [property: Id(2)] int Outcome,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset At);

/// <summary>What a ledger says of a request.</summary>
public enum LedgerVerdict
{
    /// <summary>Not seen (or forgotten): act on it.</summary>
    New,

    /// <summary>The same request again: answer the first outcome.</summary>
    Repeat,

    /// <summary>The id was used for a different request: refuse.</summary>
    IdReused,
}

/// <summary>A ledger's answer, with the first outcome when <see cref="Verdict"/> is <see cref="LedgerVerdict.Repeat"/>.</summary>
/// <param name="Verdict">New, repeat, or id reused.</param>
/// <param name="Outcome">The first outcome, for a repeat.</param>
/// <param name="Message">The first outcome's message, for a repeat.</param>
public readonly record struct LedgerAnswer<TOutcome>(LedgerVerdict Verdict, TOutcome Outcome, string Message)
    where TOutcome : struct, Enum
{
    /// <summary>Not seen before.</summary>
    public static LedgerAnswer<TOutcome> New => new(LedgerVerdict.New, default, "");
}
