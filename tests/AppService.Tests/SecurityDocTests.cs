using System.Text.RegularExpressions;

namespace OpenMeet.AppService.Tests;

/// <summary>
/// docs/security.md names a test for every claim (issue 13). These keep it honest: each test it cites
/// exists, and no row of a claim table is without one.
/// </summary>
public sealed partial class SecurityDocTests
{
    private static readonly string Doc = File.ReadAllText(Path.Combine(Repository.Root, "docs", "security.md"));

    [Fact]
    public void EveryTestTheDocCitesExists()
    {
        var methods = TestMethods();
        var cited = CSharpCitation().Matches(Doc).Select(m => (Class: m.Groups[1].Value, Method: m.Groups[2].Value)).Distinct().ToList();
        var node = NodeCitation().Matches(Doc).Select(m => (File: m.Groups[1].Value, Name: m.Groups[2].Value)).Distinct().ToList();

        cited.Should().HaveCountGreaterThan(50, "the doc cites its tests as `Class.Method`");
        cited.Where(c => !methods.Contains($"{c.Class}.{c.Method}")).Select(c => $"{c.Class}.{c.Method}")
            .Should().BeEmpty("every test the doc cites is a test method of that class");
        node.Where(n => !File.ReadAllText(Path.Combine(Repository.Root, "tests", "sso-clients", n.File)).Contains($"it('{n.Name}'", StringComparison.Ordinal))
            .Select(n => $"{n.File}: {n.Name}").Should().BeEmpty("every node test the doc cites is an it() of that file");
    }

    [Fact]
    public void EveryRowOfAClaimTableNamesATest()
    {
        var rows = new List<string>();
        var inClaims = false;
        foreach (var line in Doc.Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                inClaims = false;
                continue;
            }

            if (line.StartsWith("| claim", StringComparison.Ordinal))
            {
                inClaims = true;
                continue;
            }

            if (inClaims && !line.StartsWith("|---", StringComparison.Ordinal))
            {
                rows.Add(line);
            }
        }

        rows.Should().HaveCountGreaterThan(40);
        rows.Where(r => !CSharpCitation().IsMatch(r.Split('|')[^2]) && !NodeCitation().IsMatch(r.Split('|')[^2]))
            .Should().BeEmpty("what no test proves is not a claim row: it goes under 'How it is built, without a test'");
    }

    /// <summary><c>Class.Method</c> of every public test method in the C# test projects.</summary>
    private static HashSet<string> TestMethods()
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var project in new[] { "AppService.Tests", "Oidc.Tests", "EndToEnd.Tests" })
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(Repository.Root, "tests", project), "*.cs", SearchOption.AllDirectories)
                .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
            {
                string? type = null;
                var attributed = false;
                foreach (var line in File.ReadLines(file).Select(l => l.Trim()))
                {
                    if (ClassName().Match(line) is { Success: true } declared)
                    {
                        type = declared.Groups[1].Value;
                    }
                    else if (line.StartsWith("[Fact", StringComparison.Ordinal) || line.StartsWith("[Theory", StringComparison.Ordinal))
                    {
                        attributed = true;
                    }
                    else if (TestMethod().Match(line) is { Success: true } method)
                    {
                        if (attributed && type is not null)
                        {
                            found.Add($"{type}.{method.Groups[1].Value}");
                        }

                        attributed = false;
                    }
                }
            }
        }

        return found;
    }

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]*Tests)\.([A-Z][A-Za-z0-9]*)`")]
    private static partial Regex CSharpCitation();

    [GeneratedRegex(@"`((?:openid-client|browser)\.test\.mjs): ([^`]+)`")]
    private static partial Regex NodeCitation();

    [GeneratedRegex(@"\bclass\s+([A-Z][A-Za-z0-9]*Tests)\b")]
    private static partial Regex ClassName();

    [GeneratedRegex(@"^public\s+(?:async\s+)?(?:Task|void)\s+([A-Z][A-Za-z0-9]*)\s*\(")]
    private static partial Regex TestMethod();
}
