using Google.Rpc;
using Grpc.Core;

namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Asserts a call failed with the right status and named the right field in its BadRequest details.</summary>
public static class RpcAssert
{
    public static async Task<RpcException> Fails(StatusCode code, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(error.StatusCode == code, $"expected {code}, got {error.StatusCode}: {error.Status.Detail}");
        return error;
    }

    public static async Task<BadRequest.Types.FieldViolation> FailsOnField(StatusCode code, string field, Func<Task> call, string? descriptionContains = null)
    {
        var error = await Fails(code, call);
        var violations = error.GetRpcStatus()?.GetDetail<BadRequest>()?.FieldViolations
            ?? throw new Xunit.Sdk.XunitException($"no BadRequest details in: {error.Status.Detail}");
        var violation = violations.FirstOrDefault(v => v.Field == field)
            ?? throw new Xunit.Sdk.XunitException($"no violation for '{field}'; got: {string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}"))}");
        if (descriptionContains is not null)
        {
            Assert.Contains(descriptionContains, violation.Description);
        }

        return violation;
    }
}
