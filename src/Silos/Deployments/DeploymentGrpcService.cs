using ControlPlane.Grains.Deployments;
using ControlPlane.Silos.Validation;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Deployments;

/// <summary>The operator's deployment API: validated requests to the deployment grains, refusals as gRPC errors.</summary>
public sealed class DeploymentGrpcService(IGrainFactory grains, Audit.OperatorAudit audit) : V1.DeploymentService.DeploymentServiceBase
{
    private static readonly IReadOnlyDictionary<string, string> NoParameters = new Dictionary<string, string>();

    /// <inheritdoc />
    public override Task<V1.Deployment> CreateDeployment(V1.CreateDeploymentRequest request, ServerCallContext context) =>
        audit.RecordAsync(context, [request.Deployment?.Name ?? ""], "", Summary(request.Deployment), request.RequestId,
            () => CreateAsync(request, context));

    /// <inheritdoc />
    public override Task<V1.Deployment> UpdateDeployment(V1.UpdateDeploymentRequest request, ServerCallContext context) =>
        audit.RecordAsync(context, [request.Deployment?.Name ?? ""], "", Summary(request.Deployment), request.RequestId,
            () => UpdateAsync(request, context));

    /// <inheritdoc />
    public override Task<V1.Deployment> ScaleDeployment(V1.ScaleDeploymentRequest request, ServerCallContext context) =>
        audit.RecordAsync(context, [request.Name], "",
            new Dictionary<string, string> { ["desired_replicas"] = Invariant(request.DesiredReplicas), ["min_replicas"] = Invariant(request.MinReplicas) },
            request.RequestId, () => ScaleAsync(request, context));

    /// <inheritdoc />
    public override Task<V1.DeleteDeploymentResponse> DeleteDeployment(V1.DeleteDeploymentRequest request, ServerCallContext context) =>
        audit.RecordAsync(context, [request.Name], "", NoParameters, request.RequestId, () => DeleteAsync(request, context));

    private async Task<V1.Deployment> CreateAsync(V1.CreateDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestIds.Check(violations, request.RequestId);
        var definition = DeploymentContract.ToDomain(request.Deployment, violations, "deployment.");
        violations.ThrowIfAny();
        return Reply(await grains.GetGrain<IDeploymentGrain>(definition!.Name).CreateAsync(definition, request.RequestId).WaitAsync(context.CancellationToken), "deployment.name");
    }

    private async Task<V1.Deployment> UpdateAsync(V1.UpdateDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestIds.Check(violations, request.RequestId);
        var definition = DeploymentContract.ToDomain(request.Deployment, violations, "deployment.");
        violations.ThrowIfAny();
        return Reply(await grains.GetGrain<IDeploymentGrain>(definition!.Name).UpdateAsync(definition, request.RequestId).WaitAsync(context.CancellationToken), "deployment.name");
    }

    private async Task<V1.Deployment> ScaleAsync(V1.ScaleDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestIds.Check(violations, request.RequestId);
        ResourceIds.Check(violations, request.Name, "name");
        violations.Check(request.DesiredReplicas is >= 0 and <= Placement.Deployments.DeploymentSpec.ReplicaLimit, "desired_replicas",
            $"must be 0..{Placement.Deployments.DeploymentSpec.ReplicaLimit} (got {request.DesiredReplicas})");
        violations.Check(request.MinReplicas == -1 || (request.MinReplicas >= 0 && request.MinReplicas <= request.DesiredReplicas), "min_replicas",
            $"must be -1 (unchanged) or 0..desired_replicas (got {request.MinReplicas})");
        violations.ThrowIfAny();
        var outcome = await grains.GetGrain<IDeploymentGrain>(request.Name)
            .ScaleAsync(request.DesiredReplicas, request.MinReplicas < 0 ? null : request.MinReplicas, request.RequestId).WaitAsync(context.CancellationToken);
        return Reply(outcome, "name");
    }

    private async Task<V1.DeleteDeploymentResponse> DeleteAsync(V1.DeleteDeploymentRequest request, ServerCallContext context)
    {
        var violations = new FieldViolations();
        RequestIds.Check(violations, request.RequestId);
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

    private static IReadOnlyDictionary<string, string> Summary(V1.Deployment? deployment) => deployment is null
        ? NoParameters
        : new Dictionary<string, string>
        {
            ["model"] = ResourceIds.Shorten(deployment.Model),
            ["desired_replicas"] = Invariant(deployment.DesiredReplicas),
            ["min_replicas"] = Invariant(deployment.MinReplicas),
            ["max_replicas"] = Invariant(deployment.MaxReplicas),
            ["allowed_classes"] = string.Join(",", deployment.AllowedClasses),
        };

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

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
