using ControlPlane.Contracts.Text;
using Google.Rpc;
using Grpc.Core;

namespace ControlPlane.Silos.Validation;

/// <summary>
/// Collects every bad field of a request, then fails the call once with INVALID_ARGUMENT and a
/// google.rpc.BadRequest detail that names each field (AIP-193), so a caller fixes all at once.
/// </summary>
public sealed class FieldViolations
{
    private readonly BadRequest _badRequest = new();

    /// <summary>Violations recorded so far.</summary>
    public int Count => _badRequest.FieldViolations.Count;

    /// <summary>Whether any violation was recorded.</summary>
    public bool Any => _badRequest.FieldViolations.Count > 0;

    /// <summary>Records that <paramref name="field"/> (a proto path such as <c>accelerators[2].sku</c>) is bad.</summary>
    public void Add(string field, string description) =>
        _badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });

    /// <summary>Records a violation when <paramref name="ok"/> is false; returns <paramref name="ok"/>.</summary>
    public bool Check(bool ok, string field, string description)
    {
        if (!ok)
        {
            Add(field, description);
        }

        return ok;
    }

    /// <summary>
    /// Records a violation unless <paramref name="value"/> is at most <paramref name="maxLength"/> characters of
    /// <see cref="PrintableText"/> (free text that reaches the audit log, logs or tables); returns whether it is.
    /// </summary>
    public bool CheckText(string value, string field, int maxLength)
    {
        if (value.Length > maxLength)
        {
            Add(field, $"must be at most {maxLength} characters (got {value.Length})");
            return false;
        }

        if (PrintableText.FirstViolation(value) is { } where)
        {
            Add(field, $"{PrintableText.Rule} (found {where})");
            return false;
        }

        return true;
    }

    /// <summary>Throws INVALID_ARGUMENT listing every violation, if there is any.</summary>
    public void ThrowIfAny() => ThrowIfAny(StatusCode.InvalidArgument);

    /// <summary>Throws <paramref name="code"/> listing every violation, if there is any (e.g. NOT_FOUND for several unknown ids).</summary>
    public void ThrowIfAny(StatusCode code)
    {
        if (Any)
        {
            throw ToException(code, _badRequest);
        }
    }

    /// <summary>A single-field failure with <paramref name="code"/>, for checks that are not about form.</summary>
    public static RpcException Single(StatusCode code, string field, string description)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = field, Description = description });
        return ToException(code, badRequest);
    }

    private static RpcException ToException(StatusCode code, BadRequest badRequest)
    {
        var message = string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        var status = new Google.Rpc.Status
        {
            Code = (int)code,
            Message = message,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        };
        return status.ToRpcException();
    }
}
