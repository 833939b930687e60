namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>What an operator command did to each accelerator it named, in the order named.</summary>
/// <param name="Refused">Some accelerator refused the command at the check, so none acted; <paramref name="Outcomes"/> are the checks.</param>
/// <param name="Outcomes">Each accelerator's outcome.</param>
public sealed record OperatorBatchOutcome(bool Refused, IReadOnlyList<AcceleratorOutcome> Outcomes);

/// <summary>
/// Applies one operator command to several accelerators, all or none: every accelerator must accept before
/// any acts. A drain marks every accelerator Draining first and only then lets work move, so no session
/// moves onto an accelerator about to drain.
/// </summary>
public sealed class OperatorBatch(IGrainFactory grains)
{
    /// <summary>Checks, then applies, <paramref name="command"/> on every accelerator of <paramref name="acceleratorIds"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="acceleratorIds">The accelerators, each named once.</param>
    /// <param name="cancellationToken">Stops waiting for the checks; once applying starts it runs to the end, so no accelerator is left half-done.</param>
    public async Task<OperatorBatchOutcome> ApplyAsync(OperatorCommand command, IReadOnlyList<string> acceleratorIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(acceleratorIds);
        var accelerators = acceleratorIds.Select(id => grains.GetGrain<IAcceleratorGrain>(id)).ToArray();
        var checks = await Task.WhenAll(accelerators.Select(a => a.CheckAsync(command))).WaitAsync(cancellationToken);
        if (checks.Any(c => !c.Accepted))
        {
            return new OperatorBatchOutcome(true, checks);
        }

        var outcomes = await Task.WhenAll(accelerators.Select(a => a.ApplyAsync(command))).WaitAsync(CancellationToken.None);
        if (command.Action == OperatorAction.Drain)
        {
            await Task.WhenAll(accelerators.Select(a => a.MoveWorkAsync()));
        }

        return new OperatorBatchOutcome(false, outcomes);
    }
}
