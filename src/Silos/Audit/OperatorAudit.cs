using System.Text;
using ControlPlane.Contracts.Text;
using ControlPlane.Grains.Audit;
using ControlPlane.Silos.Security;
using ControlPlane.Silos.Validation;
using Grpc.Core;

namespace ControlPlane.Silos.Audit;

/// <summary>
/// Runs an operator action and records it in the audit log with the caller's identity, its arguments and
/// how it ended, refusals included: an operator reading the log sees what was tried as well as what was done.
/// </summary>
public sealed class OperatorAudit(AuditLog log, TimeProvider time, Metrics.ControlPlaneMetrics metrics)
{
    /// <summary>Runs <paramref name="act"/> and records it; the action's result or error is passed through unchanged.</summary>
    /// <param name="context">The call, for the caller's identity and the action (named by <see cref="AuditedActions"/>).</param>
    /// <param name="targets">What it acts on.</param>
    /// <param name="reason">The operator's reason.</param>
    /// <param name="parameters">Other arguments worth keeping.</param>
    /// <param name="requestId">The client's request id.</param>
    /// <param name="act">The action itself.</param>
    public async Task<T> RecordAsync<T>(
        ServerCallContext context,
        IEnumerable<string> targets,
        string reason,
        IReadOnlyDictionary<string, string> parameters,
        string requestId,
        Func<Task<T>> act)
    {
        var action = AuditedActions.Of(context.Method)
            ?? throw new InvalidOperationException($"{context.Method} is not an audited operator action; add it to {nameof(AuditedActions)}");

        // Anything but an RpcException reaches the caller as UNAVAILABLE (see TransientFailureInterceptor).
        var result = "UNAVAILABLE";
        var message = "";
        try
        {
            var value = await act();
            (result, message) = ("OK", "");
            return value;
        }
        catch (RpcException ex)
        {
            (result, message) = (CodeName(ex.StatusCode), ex.Status.Detail);
            throw;
        }
        catch (Exception ex)
        {
            message = ex.Message;
            throw;
        }
        finally
        {
            var caller = context.Caller();
            var entry = Entry(time.GetUtcNow(), caller.Subject, caller.Role.ToString().ToLowerInvariant(), action, targets, reason, parameters, requestId, result, message);

            metrics.OperatorActions.WithLabels(action, result).Inc();

            // Written even when the caller has gone: what happened must be on record.
            await log.AppendAsync(entry, CancellationToken.None);
        }
    }

    /// <summary>
    /// An audit entry from what a request named: every field escaped (<see cref="PrintableText"/>) and bounded,
    /// since a refused request's fields may hold anything and the log must not act on it.
    /// </summary>
    internal static AuditEntry Entry(
        DateTimeOffset at, string actor, string role, string action, IEnumerable<string> targets, string reason,
        IReadOnlyDictionary<string, string> parameters, string requestId, string result, string message) =>
        new("", at, PrintableText.Escape(actor), role, action,
            targets.Take(100).Select(t => PrintableText.Escape(ResourceIds.Shorten(t))).ToArray(), PrintableText.Escape(ResourceIds.Shorten(reason)),
            parameters.ToDictionary(p => p.Key, p => PrintableText.Escape(p.Value)),
            PrintableText.Escape(ResourceIds.Shorten(requestId)), result, PrintableText.Escape(message.Length <= 2048 ? message : message[..2048]));

    /// <summary>The canonical name of a gRPC status code: <c>FAILED_PRECONDITION</c> for <see cref="StatusCode.FailedPrecondition"/>.</summary>
    public static string CodeName(StatusCode code)
    {
        var name = code.ToString();
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }
}
