#include "tree_edit.hpp"

#include <algorithm>
#include <map>
#include <span>

#include "sidecar.hpp"

namespace quire::storage::git {

namespace {

struct Pending {
    std::span<const std::string> segments;
    const std::optional<TreeItem>* item;
};

Result<git_oid> apply(git_repository* repo, const git_tree* base, std::vector<Pending> edits,
                      const git_oid& marker, bool is_root) {
    git_treebuilder* raw = nullptr;
    if (int rc = git_treebuilder_new(&raw, repo, base); rc < 0)
        return tl::unexpected(git_error(rc, "tree builder"));
    BuilderPtr builder(raw);

    // Group by first segment, keeping the order of the edits within each name.
    std::vector<std::string> order;
    std::map<std::string, std::vector<Pending>> by_name;
    for (auto& e : edits) {
        auto [it, inserted] = by_name.try_emplace(e.segments.front());
        if (inserted)
            order.push_back(e.segments.front());
        it->second.push_back(e);
    }
    for (auto& name : order) {
        std::optional<TreeItem> state;
        if (const git_tree_entry* entry = git_treebuilder_get(builder.get(), name.c_str()))
            state = TreeItem{*git_tree_entry_id(entry), git_tree_entry_filemode(entry)};
        auto& group = by_name[name];
        for (std::size_t i = 0; i < group.size();) {
            if (group[i].segments.size() == 1) {
                state = *group[i].item;
                ++i;
                continue;
            }
            std::vector<Pending> deeper;
            while (i < group.size() && group[i].segments.size() > 1) {
                deeper.push_back({group[i].segments.subspan(1), group[i].item});
                ++i;
            }
            bool inserts = std::any_of(deeper.begin(), deeper.end(),
                                       [](const Pending& p) { return p.item->has_value(); });
            if (!inserts && !(state && state->mode == GIT_FILEMODE_TREE))
                continue; // removing below a path that is no tree: nothing to do
            TreePtr subtree;
            if (state && state->mode == GIT_FILEMODE_TREE) {
                git_tree* t = nullptr;
                if (int rc = git_tree_lookup(&t, repo, &state->id); rc < 0)
                    return tl::unexpected(git_error(rc, "read tree " + name));
                subtree.reset(t);
            }
            auto id = apply(repo, subtree.get(), std::move(deeper), marker, false);
            if (!id)
                return id;
            state = TreeItem{*id, GIT_FILEMODE_TREE};
        }
        int rc = 0;
        if (state)
            rc = git_treebuilder_insert(nullptr, builder.get(), name.c_str(), &state->id,
                                        state->mode);
        else if (git_treebuilder_get(builder.get(), name.c_str())) // removing nothing is fine
            rc = git_treebuilder_remove(builder.get(), name.c_str());
        if (rc < 0 && state) {
            // libgit2 refuses names git cannot hold in a tree (".git" in any case, and the
            // NTFS and HFS+ spellings of it): the client's choice of name, not a fault here.
            const ::git_error* e = git_error_last();
            if (e && e->klass == GIT_ERROR_TREE)
                return tl::unexpected(Error{Errc::forbidden, "the name '" + name +
                                                                 "' cannot be stored in a git "
                                                                 "repository: " +
                                                                 e->message});
        }
        if (rc < 0)
            return tl::unexpected(git_error(rc, "edit tree entry " + name));
    }
    if (!is_root && git_treebuilder_entrycount(builder.get()) == 0) {
        std::string keep(marker_name);
        if (int rc = git_treebuilder_insert(nullptr, builder.get(), keep.c_str(), &marker,
                                            GIT_FILEMODE_BLOB);
            rc < 0)
            return tl::unexpected(git_error(rc, "insert marker"));
    }
    git_oid out;
    if (int rc = git_treebuilder_write(&out, builder.get()); rc < 0)
        return tl::unexpected(git_error(rc, "write tree"));
    return out;
}

} // namespace

Result<git_oid> apply_edits(git_repository* repo, const git_tree* base,
                            const std::vector<Edit>& edits, const git_oid& marker) {
    std::vector<Pending> pending;
    for (auto& e : edits)
        pending.push_back({std::span<const std::string>(e.segments), &e.item});
    return apply(repo, base, std::move(pending), marker, true);
}

} // namespace quire::storage::git
