using ControlPlane.Placement.Replicas;
using ControlPlane.Grains.Deployments;
using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Models;
using ControlPlane.Silos.Contracts;
using ControlPlane.Silos.Validation;
using Google.Protobuf.WellKnownTypes;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Deployments;

/// <summary>Maps deployments between the wire and the grains, validating every field on the way in.</summary>
public static class DeploymentContract
{
    /// <summary>
    /// The definition of a wire deployment, or null with every problem recorded in
    /// <paramref name="violations"/> under <paramref name="prefix"/> (e.g. <c>deployment.</c>).
    /// </summary>
    public static DeploymentDefinition? ToDomain(V1.Deployment? wire, FieldViolations violations, string prefix)
    {
        if (wire is null)
        {
            violations.Add(prefix.TrimEnd('.'), "is required");
            return null;
        }

        var before = violations.Count;
        var precision = wire.Precision switch
        {
            V1.Precision.Bf16 => ModelPrecision.Bf16,
            V1.Precision.Fp8 => ModelPrecision.Fp8,
            V1.Precision.Int4 => ModelPrecision.Int4,
            _ => (ModelPrecision)0,
        };
        violations.Check(precision != 0, prefix + "precision", $"must be BF16, FP8 or INT4 (got {(int)wire.Precision})");
        var classes = wire.AllowedClasses.Select(ContractMapping.ToDomain).ToArray();
        violations.Check(classes.Length > 0 && classes.All(c => c is not null) && classes.Distinct().Count() == classes.Length, prefix + "allowed_classes",
            "must list HARDWARE_CLASS_WAFER_SCALE and/or HARDWARE_CLASS_GPU, each once, in order of preference");
        violations.Check(wire.Slo is not null, prefix + "slo", "is required (time_to_first_token, min_tokens_per_second, long_horizon_completion)");
        violations.Check(wire.DefaultLatencyClass != V1.LatencyClass.Unspecified && System.Enum.IsDefined(wire.DefaultLatencyClass), prefix + "default_latency_class",
            $"must be INTERACTIVE or LONG_HORIZON (got {(int)wire.DefaultLatencyClass})");
        violations.CheckText(wire.Model, prefix + "model", 128);
        var slo = wire.Slo ?? new V1.ServiceLevelObjective();
        var definition = new DeploymentDefinition(
            wire.Name,
            wire.Model,
            wire.Parameters,
            wire.Layers,
            precision == 0 ? ModelPrecision.Bf16 : precision,
            wire.KvBytesPerToken,
            wire.ContextWindowTokens,
            classes.Where(c => c is not null).Select(c => c!.Value).Distinct().ToArray() is { Length: > 0 } allowed ? allowed : [HardwareClass.Gpu],
            wire.MinReplicas,
            wire.DesiredReplicas,
            Span(slo.TimeToFirstToken),
            slo.MinTokensPerSecond,
            Span(slo.LongHorizonCompletion),
            wire.EntitledPlans.ToArray(),
            wire.DefaultLatencyClass == V1.LatencyClass.LongHorizon ? LatencyClass.LongHorizon : LatencyClass.Interactive,
            wire.MaxReplicas);

        foreach (var (field, message) in definition.ToSpec().Validate())
        {
            // The spec names SLO fields slo.x, and classes it already reported above.
            if (field is not "allowed_classes" and not "precision" and not "default_latency_class")
            {
                violations.Add(prefix + field, $"{message} (got {Echo(wire, field)})");
            }
        }

        return violations.Count == before ? definition : null;
    }

    /// <summary>The wire form of a deployment view.</summary>
    public static V1.Deployment ToContract(DeploymentView view)
    {
        var d = view.Definition;
        var wire = new V1.Deployment
        {
            Name = d.Name,
            Model = d.Model,
            Parameters = d.Parameters,
            Layers = d.Layers,
            Precision = d.Precision switch { ModelPrecision.Fp8 => V1.Precision.Fp8, ModelPrecision.Int4 => V1.Precision.Int4, _ => V1.Precision.Bf16 },
            KvBytesPerToken = d.KvBytesPerToken,
            ContextWindowTokens = d.ContextWindowTokens,
            MinReplicas = d.MinReplicas,
            DesiredReplicas = d.DesiredReplicas,
            MaxReplicas = d.MaxReplicas,
            Slo = new V1.ServiceLevelObjective
            {
                TimeToFirstToken = Duration.FromTimeSpan(d.SloTimeToFirstToken),
                MinTokensPerSecond = d.SloMinTokensPerSecond,
                LongHorizonCompletion = Duration.FromTimeSpan(d.SloLongHorizonCompletion),
            },
            DefaultLatencyClass = (V1.LatencyClass)(int)d.DefaultLatencyClass,
            ReadyReplicas = view.ReadyReplicas,
            CreateTime = Timestamp.FromDateTimeOffset(view.CreatedAt),
            UpdateTime = Timestamp.FromDateTimeOffset(view.UpdatedAt),
            WeightsBytes = d.ToSpec().Shape.WeightsBytes,
        };
        wire.AllowedClasses.AddRange(d.AllowedClasses.Select(ContractMapping.ToContract));
        wire.EntitledPlans.AddRange(d.EntitledPlans);
        wire.PlacementProblems.AddRange(view.PlacementProblems);
        wire.Replicas.AddRange(view.Replicas.Select(r =>
        {
            var replica = new V1.Replica
            {
                ReplicaId = r.ReplicaId,
                Sku = r.Sku,
                HardwareClass = ContractMapping.ToContract(r.HardwareClass),
                DevicesPerAccelerator = r.DevicesPerAccelerator,
                Slots = r.Slots,
                Pool = r.Pool,
                State = r.State switch
                {
                    ReplicaState.Loading => V1.ReplicaState.ReplicaLoading,
                    ReplicaState.Ready => V1.ReplicaState.ReplicaReady,
                    ReplicaState.Failed => V1.ReplicaState.ReplicaFailed,
                    ReplicaState.Retiring => V1.ReplicaState.ReplicaRetiring,
                    _ => V1.ReplicaState.ReplicaUnloading,
                },
                Message = r.Message,
                Endpoint = r.Endpoint,
            };
            replica.AcceleratorIds.AddRange(r.AcceleratorIds);
            return replica;
        }));
        return wire;
    }

    private static TimeSpan Span(Duration? duration)
    {
        if (duration is null)
        {
            return TimeSpan.Zero;
        }

        // Far outside any valid SLO; the spec's own checks then name the field.
        return duration.Seconds is > -100_000_000 and < 100_000_000 ? duration.ToTimeSpan() : TimeSpan.FromDays(-1);
    }

    private static string Echo(V1.Deployment wire, string field) => field switch
    {
        "name" => $"'{ResourceIds.Shorten(wire.Name)}'",
        "model" => $"'{ResourceIds.Shorten(wire.Model)}'",
        "parameters" => wire.Parameters.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "layers" => wire.Layers.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "kv_bytes_per_token" => wire.KvBytesPerToken.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "context_window_tokens" => wire.ContextWindowTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "desired_replicas" => wire.DesiredReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "min_replicas" => wire.MinReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "max_replicas" => wire.MaxReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        "entitled_plans" => $"{wire.EntitledPlans.Count} plan(s)",
        _ => "the given value",
    };
}
