namespace ControlPlane.Tests.Shared;

/// <summary>The repository the tests run from, for tests that read its shipped files.</summary>
public static class RepositoryRoot
{
    /// <summary>The folder holding ControlPlane.sln above the test binaries.</summary>
    public static string Find()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ControlPlane.sln")))
        {
            root = root.Parent;
        }

        return root?.FullName ?? throw new InvalidOperationException("ControlPlane.sln not found above " + AppContext.BaseDirectory);
    }
}
