using ControlPlane.Grains.Deployments;
using ControlPlane.Silos.Validation;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Deployments;

/// <summary>The operator's deployment API: validated requests to the deployment grains, refusals as gRPC errors.</summary>
public sealed class DeploymentGrpcService(IGrainFactory grains) : V1.DeploymentService.DeploymentServiceBase
{
    /// <inheritdoc />
    public override async Task<V1.Deployment> CreateDeployment(V1.CreateDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestId(request.RequestId, violations);
        var definition = DeploymentContract.ToDomain(request.Deployment, violations, "deployment.");
        violations.ThrowIfAny();
        return Reply(await grains.GetGrain<IDeploymentGrain>(definition!.Name).CreateAsync(definition, request.RequestId).WaitAsync(context.CancellationToken), "deployment.name");
    }

    /// <inheritdoc />
    public override async Task<V1.Deployment> UpdateDeployment(V1.UpdateDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestId(request.RequestId, violations);
        var definition = DeploymentContract.ToDomain(request.Deployment, violations, "deployment.");
        violations.ThrowIfAny();
        return Reply(await grains.GetGrain<IDeploymentGrain>(definition!.Name).UpdateAsync(definition, request.RequestId).WaitAsync(context.CancellationToken), "deployment.name");
    }

    /// <inheritdoc />
    public override async Task<V1.Deployment> ScaleDeployment(V1.ScaleDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestId(request.RequestId, violations);
        ResourceIds.Check(violations, request.Name, "name");
        violations.Check(request.DesiredReplicas is >= 0 and <= Placement.Deployments.DeploymentSpec.MaxReplicas, "desired_replicas",
            $"must be 0..{Placement.Deployments.DeploymentSpec.MaxReplicas} (got {request.DesiredReplicas})");
        violations.Check(request.MinReplicas == -1 || (request.MinReplicas >= 0 && request.MinReplicas <= request.DesiredReplicas), "min_replicas",
            $"must be -1 (unchanged) or 0..desired_replicas (got {request.MinReplicas})");
        violations.ThrowIfAny();
        var outcome = await grains.GetGrain<IDeploymentGrain>(request.Name)
            .ScaleAsync(request.DesiredReplicas, request.MinReplicas < 0 ? null : request.MinReplicas, request.RequestId).WaitAsync(context.CancellationToken);
        return Reply(outcome, "name");
    }

    /// <inheritdoc />
    public override async Task<V1.DeleteDeploymentResponse> DeleteDeployment(V1.DeleteDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestId(request.RequestId, violations);
        ResourceIds.Check(violations, request.Name, "name");
        violations.ThrowIfAny();
        var outcome = await grains.GetGrain<IDeploymentGrain>(request.Name).DeleteAsync(request.RequestId).WaitAsync(context.CancellationToken);
        var response = new V1.DeleteDeploymentResponse();
        if (outcome.View is null && !outcome.Accepted)
        {
            throw Refusal(outcome, "name");
        }

        if (outcome.View is not null)
        {
            response.Deployment = DeploymentContract.ToContract(outcome.View);
        }

        return response;
    }

    /// <inheritdoc />
    public override async Task<V1.Deployment> GetDeployment(V1.GetDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        ResourceIds.Check(violations, request.Name, "name");
        violations.ThrowIfAny();
        var view = await grains.GetGrain<IDeploymentGrain>(request.Name).GetAsync().WaitAsync(context.CancellationToken);
        return view is null
            ? throw FieldViolations.Single(StatusCode.NotFound, "name", $"deployment '{request.Name}' does not exist; list them with ListDeployments")
            : DeploymentContract.ToContract(view);
    }

    /// <inheritdoc />
    public override async Task<V1.ListDeploymentsResponse> ListDeployments(V1.ListDeploymentsRequest request, ServerCallContext context)
    {
        var names = await grains.GetGrain<IDeploymentDirectoryGrain>(0).ListAsync().WaitAsync(context.CancellationToken);
        var views = await Task.WhenAll(names.Select(n => grains.GetGrain<IDeploymentGrain>(n).GetAsync()));
        var response = new V1.ListDeploymentsResponse();
        response.Deployments.AddRange(views.Where(v => v is not null).Select(v => DeploymentContract.ToContract(v!)));
        return response;
    }

    private static void RequestId(string requestId, FieldViolations violations)
    {
        if (string.IsNullOrEmpty(requestId))
        {
            violations.Add("request_id", "is required: a client-chosen id (1..64 characters) that makes a retry act once");
            return;
        }

        violations.Check(requestId.Length <= 64 && requestId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':'), "request_id",
            $"must be 1..64 characters of letters, digits, '-', '_', '.' or ':' (got '{ResourceIds.Shorten(requestId)}')");
    }

    private static V1.Deployment Reply(DeploymentOutcome outcome, string nameField) =>
        outcome.Accepted && outcome.View is not null ? DeploymentContract.ToContract(outcome.View) : throw Refusal(outcome, nameField);

    private static RpcException Refusal(DeploymentOutcome outcome, string nameField) => outcome.Refusal switch
    {
        DeploymentRefusal.AlreadyExists => FieldViolations.Single(StatusCode.AlreadyExists, nameField, outcome.Message),
        DeploymentRefusal.NotFound => FieldViolations.Single(StatusCode.NotFound, nameField, outcome.Message),
        DeploymentRefusal.RequestIdReused => FieldViolations.Single(StatusCode.InvalidArgument, "request_id", outcome.Message),
        _ => new RpcException(new Status(StatusCode.Internal, outcome.Message)),
    };
}
