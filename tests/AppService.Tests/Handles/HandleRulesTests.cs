using OpenMeet.AppService.Handles;

namespace OpenMeet.AppService.Tests.Handles;

public sealed class HandleRulesTests
{
    private readonly HandleRules rules = new(["acme-support"], "openmeet-bot", ["acme-", "openmeet_"]);

    [Theory]
    [InlineData("john.doe")]
    [InlineData("j_d")]
    [InlineData("john=doe-2")]
    [InlineData("007")]
    public void GoodHandlesPass(string handle) => rules.Problem(handle).Should().BeNull();

    [Theory]
    [InlineData("", "Choose a handle: it becomes your Matrix ID.")]
    [InlineData("jd", "A handle needs at least 3 characters.")]
    [InlineData("john doe", "'space' cannot be in a handle: use lowercase letters, digits and . _ = - only.")]
    [InlineData("john@doe", "'@' cannot be in a handle: use lowercase letters, digits and . _ = - only.")]
    [InlineData("jöhn", "'ö' cannot be in a handle: use lowercase letters, digits and . _ = - only.")]
    [InlineData("JohnDoe", "'J' cannot be in a handle: use lowercase letters, digits and . _ = - only.")]
    [InlineData("_john", "A handle cannot start with '_'.")]
    [InlineData(".john", "A handle cannot start with '.'.")]
    [InlineData("-john", "A handle cannot start with '-'.")]
    [InlineData("admin", "'admin' is reserved.")]
    [InlineData("synapse", "'synapse' is reserved.")]
    [InlineData("openmeet-bot", "'openmeet-bot' is reserved.")]
    [InlineData("acme-support", "'acme-support' is reserved.")]
    [InlineData("admin1", "'admin1' is reserved.")]
    [InlineData("synapse-admin", "'synapse-admin' is reserved.")]
    [InlineData("openmeet_x", "'openmeet_x' is reserved.")]
    [InlineData("openmeet-bot2", "'openmeet-bot2' is reserved.")]
    [InlineData("acme-sales", "'acme-sales' is reserved.")]
    [InlineData("support.desk", "'support.desk' is reserved.")]
    public void EachRuleSaysWhyInWords(string handle, string reason) => rules.Problem(handle).Should().Be(reason);

    [Fact]
    public void LengthIsBoundedAt64()
    {
        rules.Problem(new string('a', 64)).Should().BeNull();
        rules.Problem(new string('a', 65)).Should().Be("A handle can have at most 64 characters.");
    }

    [Theory]
    [InlineData("John.Doe", "john.doe")]
    [InlineData("  ADMIN ", "admin")]
    public void HandlesAreCaseFolded(string typed, string folded) => HandleRules.Fold(typed).Should().Be(folded);

    [Fact]
    public void SuggestionsComeFromTheWantedHandleThenTheName()
    {
        var candidates = rules.Candidates("John Doe!", "Jöhn Q. Doe").Take(12).ToList();

        candidates[0].Should().Be("john.doe");
        candidates.Should().Contain("john.doe1").And.Contain("johndoe").And.Contain("j.doe");
        candidates.Should().AllSatisfy(c => rules.Problem(c).Should().BeNull());
    }

    [Fact]
    public void SuggestionsForAReservedOrShortHandleAreValidHandles()
    {
        rules.Candidates("admin", null).Should().NotContain("admin").And.NotContain("admin1");
        rules.Candidates("admin", "Ada Lovelace").Should().Contain("ada.lovelace").And.OnlyContain(c => rules.Problem(c) == null);
        rules.Candidates("x", null).First().Should().Be("x12");
        rules.Candidates("__", "Li").Should().OnlyContain(c => rules.Problem(c) == null).And.Contain("li1");
    }
}
