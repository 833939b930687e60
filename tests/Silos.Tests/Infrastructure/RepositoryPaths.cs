namespace ControlPlane.Silos.Tests.Infrastructure;

/// <summary>Paths of the repository's own build outputs, for tests that start them as separate processes.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root: the folder holding ControlPlane.sln above the test binaries.</summary>
    public static string Root() => RepositoryRoot.Find();

    /// <summary>The agent as built in its own project folder, with its own runtime config and dependencies.</summary>
    public static string AgentDll()
    {
        // tests/Silos.Tests/bin/{Configuration}/{TargetFramework}/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(Root(), "src", "HardwareAgents", "bin", here.Parent!.Name, here.Name, "ControlPlane.HardwareAgents.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/HardwareAgents first", dll);
    }
}
