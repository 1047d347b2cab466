#pragma once

#include <stdexcept>
#include <string>

namespace boocode::storage {

/// Every failure that leaves the storage module: libpqxx's exceptions are
/// caught at the adapter and rethrown as this, with a message for people.
class storage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The database could not be reached or the connection broke: the same call
/// may succeed later. Other storage_errors are refusals (a constraint, bad
/// data) that repeating will not fix.
class storage_unavailable : public storage_error {
public:
  using storage_error::storage_error;
};

/// An owner's write refused because another owner took the actor's lease
/// since (its epoch moved on): this owner must stop writing that actor.
class fenced : public storage_error {
public:
  using storage_error::storage_error;
};

/// A lease refused because a live node owns the actor: talk to that node.
class not_owner : public storage_error {
public:
  not_owner(const std::string& what, std::string owner)
    : storage_error(what), owner_(std::move(owner)) {}
  const std::string& owner() const { return owner_; }

private:
  std::string owner_;
};

} // namespace boocode::storage
